import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupSetupFormCard, groupSummaryCard } from '../src/cards/groups';
import { helpCard } from '../src/cards/help';
import { errorCard, notAvailableCard, unknownCommandCard, welcomeCard } from '../src/cards/notice';
import { CARD_NAMES, CARD_TEMPLATES_DIR, type AdaptiveCardJson } from '../src/cards/render';
import { agreementCard, agreementFormCard, agreementListCard } from '../src/cards/agreements';
import { describeEntry, logCard, logExtractCard, logExtractFormCard, type LogContext } from '../src/cards/audit-log';
import { memberAddFormCard, memberChangeFormCard, membersCard, type MemberView } from '../src/cards/members';
import { myGroupsCard } from '../src/cards/my-groups';
import { goalCard, goalFormCard, goalUpdateFormCard, planCard, subGoalFormCard } from '../src/cards/plan';
import { shellCard } from '../src/cards/shell';
import { boardCard, boardFormCard, boardHistoryCard, boardRemoveFormCard, boardSettingsFormCard, boardTeamFormCard, type BoardCardEntry } from '../src/cards/board';
import { boardStats } from '../src/domain/board';
import { crisisPlanCard, crisisPlanChoiceCard, crisisPlanFormCard, crisisPlanLinkCard, crisisPlanSectionCard, crisisPlanVersionCard, crisisPlanVersionsCard } from '../src/cards/crisis-plan';
import { CRISIS_PLAN_SECTIONS, diffVersions, emptyCrisisPlan, type CrisisPlanContent } from '../src/domain/crisis-plan';
import { reminderCard } from '../src/cards/reminders';
import { digestCard, followUpFormCard, followUpsCard, reminderSettingsFormCard } from '../src/cards/follow-ups';
import { neutralRefusalCard } from '../src/cards/notice';
import { COMMAND_DEFINITIONS } from '../src/domain/commands';
import type { AgreementWithHistory } from '../src/storage/agreements';
import type { GoalDetails, PlanGoal } from '../src/storage/goals';
import { ERROR_CODES } from '../src/domain/errors';
import { LOCALES } from '../src/domain/locale';
import { silentLogger } from '../src/logger';
import { createFeatures } from '../src/teams/app';
import { adaptiveCardErrors } from './support/cards';
import { cardText } from './support/fake-connector';

const people = [
  { id: '29:sara', name: 'Sara Lind' },
  { id: '29:anna', name: 'Anna Berg' },
];

const at = (iso: string) => new Date(iso);
const sara = { id: 'm-sara', displayName: 'Sara Lind', role: 'case_manager', principal: 'region', organisation: 'Psykiatrin Syd', teamsUserId: '29:sara', isCaseManager: true, isIndividual: false, consentRecordedAt: at('2026-11-01T10:00:00Z'), consentWithdrawnAt: null } satisfies MemberView;
const individual = { id: 'm-kl', displayName: 'K.L.', role: 'individual', principal: 'private', organisation: null, teamsUserId: null, isCaseManager: false, isIndividual: true, consentRecordedAt: at('2026-11-01T10:00:00Z'), consentWithdrawnAt: null } satisfies MemberView;
const lars = { id: 'm-lars', displayName: 'Lars **L**', role: 'relative', principal: 'private', organisation: null, teamsUserId: null, isCaseManager: false, isIndividual: false, consentRecordedAt: null, consentWithdrawnAt: null } satisfies MemberView;

/** A goal as storage returns it, for rendering. */
export function sampleGoal(overrides: Partial<PlanGoal> = {}): PlanGoal {
  const author = { ...sara, aadObjectId: 'aad', groupId: 'g', isIndividual: false, consentRecordedBy: null, removedAt: null, createdAt: at('2026-11-01T10:00:00Z'), updatedAt: at('2026-11-01T10:00:00Z') };
  return {
    id: 'goal-1', groupId: 'g', lifeArea: 'housing', text: 'Jag vill ha en egen lägenhet ${$root}', status: 'in_progress', progress: 6,
    responsibleMemberId: 'm-sara', targetDate: at('2027-06-01T00:00:00Z'), individualAgreedAt: at('2026-11-02T10:00:00Z'), version: 3,
    createdByMemberId: 'm-sara', createdAt: at('2026-11-01T10:00:00Z'), updatedAt: at('2026-11-20T10:00:00Z'),
    responsible: author,
    subGoals: [{ id: 's1', goalId: 'goal-1', text: 'Skicka ansökan', status: 'not_started', responsibleMemberId: 'm-sara', targetDate: at('2026-12-01T00:00:00Z'), version: 1, createdAt: at('2026-11-01T10:00:00Z'), updatedAt: at('2026-11-01T10:00:00Z'), responsible: author }],
    updates: [
      { id: 'u3', goalId: 'goal-1', authorMemberId: 'm-sara', previousStatus: 'in_progress', status: 'in_progress', progress: 6, comment: 'Bra vecka **x**', createdAt: at('2026-11-20T10:00:00Z'), author },
      { id: 'u2', goalId: 'goal-1', authorMemberId: 'm-sara', previousStatus: 'not_started', status: 'in_progress', progress: 3, comment: null, createdAt: at('2026-11-10T10:00:00Z'), author },
      { id: 'u1', goalId: 'goal-1', authorMemberId: 'm-sara', previousStatus: null, status: 'not_started', progress: null, comment: null, createdAt: at('2026-11-01T10:00:00Z'), author },
    ],
    agreements: [{ id: 'a1', groupId: 'g', responsibleMemberId: 'm-sara', what: 'Ringa **FK** ${x}', dueDate: at('2026-12-01T00:00:00Z'), goalId: 'goal-1', subGoalId: null, status: 'accepted', version: 2, createdByMemberId: 'm-sara', createdAt: at('2026-11-01T10:00:00Z'), updatedAt: at('2026-11-01T10:00:00Z'), responsible: author }],
    ...overrides,
  } as PlanGoal;
}

/** A goal as the goal view loads it: a page of history, the counts, the latest ratings. */
function sampleGoalDetails(overrides: Partial<PlanGoal> = {}, counts = { subGoals: 1, updates: 3 }): GoalDetails {
  const goal = sampleGoal(overrides);
  return { ...goal, _count: counts, ratings: goal.updates.flatMap((u) => (u.progress === null ? [] : [u.progress])).reverse() } as unknown as GoalDetails;
}

/** A history entry that records an added sub-goal (status and rating unchanged), as findGoal returns it. */
const subGoalAdded = {
  id: 'u4', goalId: 'goal-1', authorMemberId: 'm-sara', previousStatus: null, status: null, progress: null, comment: null,
  subGoalId: 's1', subGoalText: 'Skicka **ansökan** ${$root}', createdAt: at('2026-11-21T10:00:00Z'), author: sampleGoal().updates[0]!.author,
};

/** Text users typed in the samples, with template syntax that must stay literal. */
const SAMPLE_USER_TEXTS = ['Sara ${$root} Lind', 'Observera: Sara ${$root} Lind samordnar nu 21 resursgrupper', 'Jag vill ha en egen lägenhet ${$root}', 'Ringa **FK** ${x}', 'Sjuk **hela** veckan ${$root}', 'Skicka **ansökan** ${$root}'];

/** Every verb a shell card opens, as the Teams layer names them (`verb: '…'` in src/teams). */
const SHELL_VERBS = [
  ...new Set(
    readdirSync(path.join('src', 'teams'))
      .flatMap((file) => [...readFileSync(path.join('src', 'teams', file), 'utf8').matchAll(/verb: '(\w+)'/g)].map((m) => m[1]!)),
  ),
];

/** An agreement as storage returns it, with a history of every kind of event. */
function sampleAgreement(overrides: Partial<AgreementWithHistory> = {}): AgreementWithHistory {
  const goal = sampleGoal();
  const event = (kind: string, details: string | null, day: string) => ({ id: `e-${kind}`, agreementId: 'a1', kind, actorMemberId: '29:sara', details, createdAt: at(`2026-11-${day}T10:00:00Z`) });
  return {
    ...goal.agreements[0]!,
    goal,
    subGoal: goal.subGoals[0]!,
    events: [
      event('created', null, '01'),
      event('accepted', null, '02'),
      event('due_date_changed', JSON.stringify({ from: '2026-12-01', to: '2026-12-03' }), '03'),
      event('reassigned', JSON.stringify({ from: '29:sara', to: '29:anna' }), '04'),
      event('declined', JSON.stringify({ reason: 'Sjuk **hela** veckan ${$root}' }), '05'),
    ],
    ...overrides,
  } as unknown as AgreementWithHistory;
}

/** The sample agreement's responsible member, and a case manager who is not responsible for it. */
const responsibleViewer = { memberId: 'm-sara', isCaseManager: false };
const caseManagerViewer = { memberId: 'm-cm', isCaseManager: true };

/** The access log's samples: a member whose name looks like a template, a former member, an outsider, Teams and the bot. */
const logContext: LogContext = {
  timeZone: 'Europe/Stockholm',
  groupConversationId: '19:kl',
  personalChats: new Set(['a:personal-sara']),
  members: [
    { id: 'm-sara', displayName: 'Sara ${$root} Lind', aadObjectId: 'aad-sara', role: 'case_manager', principal: 'region', organisation: 'Psykiatrin Syd', isIndividual: false, removedAt: null },
    { id: 'm-lars', displayName: 'Lars **L**', aadObjectId: 'aad-lars', role: 'relative', principal: 'private', organisation: null, isIndividual: false, removedAt: at('2026-11-20T10:00:00Z') },
  ],
};
const logEntry = (action: string, overrides: Record<string, unknown> = {}) => ({
  id: `e-${action}`, at: at('2026-11-25T13:02:00Z'), action, outcome: 'allowed', reason: null, trigger: 'manual', actorMemberId: 'm-sara', actorAadObjectId: 'aad-sara', conversationId: '19:kl', ...overrides,
});
const logEntries = [
  logEntry('crisisplan.read'),
  logEntry('plan.read', { trigger: 'automatic', conversationId: 'a:personal-sara' }),
  logEntry('crisisplan.section.read', { outcome: 'denied', reason: 'no_crisis_plan_access', actorMemberId: null, actorAadObjectId: 'aad-lars' }),
  logEntry('members.read', { outcome: 'denied', reason: 'not_a_member', actorMemberId: null, actorAadObjectId: 'aad-eve', conversationId: '19:other' }),
  logEntry('goal.update', { trigger: null }),
  logEntry('member.left_conversation', { trigger: null, actorMemberId: null, actorAadObjectId: null, conversationId: null }),
  logEntry('something.new', { trigger: null }),
];
const logLines = (locale: (typeof LOCALES)[number]) => logEntries.map((e) => describeEntry(locale, e, logContext));
const period = { from: '2025-11-25', to: '2026-11-25' };

/** A crisis plan with something in every section, user text with template syntax and markdown included. */
function sampleCrisisPlan(): CrisisPlanContent {
  const plan = emptyCrisisPlan({ psychiatricEmergency: 'Psykiatrisk akutmottagning', emergency: '112 – vid fara för liv', healthGuide: '1177 Vårdguiden' });
  plan.phases.red = { signs: ['Ringa **FK** ${x}', 'Slutar äta'], selfHelp: ['Ringa Lars'], othersDo: ['Stanna hos mig'] };
  plan.phases.yellow.signs = ['Sover dåligt'];
  plan.whatHelps = ['Lugnt tonläge'];
  plan.contacts = [{ name: 'Sjuk **hela** veckan ${$root}', relation: 'pappa', phone: '070-123 45 67', whenToCall: 'alltid' }, { name: 'Eva', phone: '08-12 34 56' }];
  plan.professionalContacts = [{ name: 'Mottagningen', phone: '010-000 00 00', hours: 'vardagar 8–16' }];
  plan.practical.pets = 'Hunden Saga';
  plan.wishes.whereCared = 'Inte avdelning 3';
  return plan;
}

/** Every crisis-plan card, with sample data. */
function crisisPlanSamples(locale: (typeof LOCALES)[number]): Record<string, AdaptiveCardJson> {
  const content = sampleCrisisPlan();
  const base = { groupId: 'g-1', alias: 'K.L.', timeZone: 'Europe/Stockholm' };
  const before = { ...content, phases: { ...content.phases, red: { ...content.phases.red, signs: ['Slutar sova'] } }, contacts: [{ name: 'Eva', phone: '08-99 99 99' }] };
  return {
    crisisPlanLink: crisisPlanLinkCard(locale, 'g-1'),
    crisisPlanLinkWithoutGroup: crisisPlanLinkCard(locale),
    crisisPlan: crisisPlanCard(locale, { ...base, now: at('2027-08-01T10:00:00Z'), plan: { currentVersion: 3, changedAt: at('2026-11-20T10:00:00Z'), changedBy: 'Sara **L**', reviewedAt: at('2026-12-01T10:00:00Z'), reviewedBy: 'Sara Lind' }, content, reviewDue: at('2027-06-01T10:00:00Z'), can: { review: true }, notice: 'ok' }),
    crisisPlanNotWritten: crisisPlanCard(locale, { ...base, now: at('2026-11-20T10:00:00Z'), plan: null, content: emptyCrisisPlan({ psychiatricEmergency: 'P', emergency: '112', healthGuide: '1177' }), can: { review: false } }),
    ...Object.fromEntries(CRISIS_PLAN_SECTIONS.map((section) => [`crisisPlanSection-${section}`, crisisPlanSectionCard(locale, { groupId: 'g-1', alias: 'K.L.', section, content, canEdit: true })])),
    crisisPlanSectionEmpty: crisisPlanSectionCard(locale, { groupId: 'g-1', alias: 'K.L.', section: 'contacts', content: emptyCrisisPlan({ psychiatricEmergency: 'P', emergency: '112', healthGuide: '1177' }), canEdit: false, notice: 'stale', noticeColor: 'Warning' }),
    ...Object.fromEntries(CRISIS_PLAN_SECTIONS.map((section) => [`crisisPlanForm-${section}`, crisisPlanFormCard(locale, { groupId: 'g-1', alias: 'K.L.', section, version: 3, content })])),
    crisisPlanFormWithErrors: crisisPlanFormCard(locale, { groupId: 'g-1', alias: 'K.L.', section: 'contacts', version: 3, content, submitted: { contacts: 'Eva | 19850101-1234' }, fieldErrors: { contacts: 'crisisPlan.error.identityNumber' }, lines: { contacts: 1 } }),
    crisisPlanVersions: crisisPlanVersionsCard(locale, { ...base, versions: [{ version: 2, section: 'red', author: 'Sara **L**', createdAt: at('2026-11-20T10:00:00Z') }, { version: 1, section: null, author: null, createdAt: at('2026-11-01T10:00:00Z') }], offset: 0, total: 45 }),
    crisisPlanVersionsEmpty: crisisPlanVersionsCard(locale, { ...base, versions: [], offset: 0, total: 0 }),
    crisisPlanVersion: crisisPlanVersionCard(locale, { ...base, version: 2, section: 'red', author: 'Sara Lind', createdAt: at('2026-11-20T10:00:00Z'), diffs: diffVersions(before, content), currentVersion: 3 }),
    crisisPlanVersionFirst: crisisPlanVersionCard(locale, { ...base, version: 1, section: null, author: null, createdAt: at('2026-11-01T10:00:00Z'), diffs: null, currentVersion: 1 }),
    crisisPlanChoice: crisisPlanChoiceCard(locale, [{ groupId: 'g-1', alias: 'K.L.' }, { groupId: 'g-2', alias: 'Sjuk **hela** veckan ${$root}' }], true),
  };
}

/** "Mina grupper" and the caseload warnings, with sample data. */
function myGroupsSamples(locale: (typeof LOCALES)[number]): Record<string, AdaptiveCardJson> {
  const group = { alias: 'K.L.', model: 'STRENGTHS', role: 'case_manager', isCaseManager: true, consented: true, open: 3, overdue: 1 };
  const warning = 'Observera: Sara ${$root} Lind samordnar nu 21 resursgrupper';
  return {
    myGroups: myGroupsCard(locale, [group, { ...group, alias: 'Sjuk **hela** veckan ${$root}', model: 'FACT', role: 'nurse', isCaseManager: false, overdue: 0 }, { ...group, isCaseManager: false, role: 'relative', consented: false }], { belonging: 3, coordinating: 1, coordinatingWithLimit: 1, offset: 0 }),
    myGroupsOverLimitPage: myGroupsCard(locale, [group], { belonging: 300, coordinating: 21, coordinatingWithLimit: 1, offset: 25 }),
    myGroupsEmpty: myGroupsCard(locale, [], { belonging: 0, coordinating: 0, coordinatingWithLimit: 0, offset: 0 }),
    summaryCreatedWithCaseloadWarning: groupSummaryCard(locale, { alias: 'K.L.', model: 'STRENGTHS', caseManagerName: 'Sara Lind' }, 'created', warning),
    membersWithCaseloadWarning: membersCard(locale, [sara, lars], { timeZone: 'Europe/Stockholm', userIds: [], notice: 'ok', warning, canManage: false }),
  };
}

/** The FACT board's cards, with sample data. */
function boardSamples(locale: (typeof LOCALES)[number]): Record<string, AdaptiveCardJson> {
  const entry: BoardCardEntry = {
    groupId: 'g-1',
    alias: 'K.L.',
    days: 15,
    reasonCode: 'relapse_risk',
    reasonText: 'Sjuk **hela** veckan ${$root}',
    interventions: 'Ringa **FK** ${x}',
    agreementCount: 3,
    agreements: [{ what: 'Skicka **ansökan** ${$root}', dueDate: at('2026-12-03T00:00:00Z'), responsible: 'Sara ${$root} Lind' }],
    todays: [{ what: 'Hembesök', responsible: 'Anna Berg' }],
    goalUpdates: [{ goal: 'Jag vill ha en egen lägenhet ${$root}', status: 'in_progress', progress: 6, at: at('2026-11-30T10:00:00Z') }],
    long: true,
  };
  const other: BoardCardEntry = { ...entry, groupId: 'g-2', alias: 'M.N.', days: 1, reasonCode: 'other', reasonText: null, interventions: null, agreementCount: 0, agreements: [], todays: [], goalUpdates: [], long: false };
  const now = at('2026-12-02T07:30:00Z');
  const options = { teamId: 't-1', now, timeZone: 'Europe/Stockholm', offset: 0, canSettings: true };
  const stats = boardStats([{ placedAt: at('2026-10-01T10:00:00Z'), removedAt: at('2026-10-20T10:00:00Z') }, { placedAt: at('2026-11-17T10:00:00Z'), removedAt: null }], now, 'Europe/Stockholm');
  return {
    board: boardCard(locale, [entry, other], { ...options, notice: 'ok' }),
    boardEmpty: boardCard(locale, [], { ...options, canSettings: false, addable: [{ groupId: 'g-1', alias: 'K.L.' }, { groupId: 'g-2', alias: 'Sjuk **hela** veckan ${$root}' }] }),
    boardOtherTeams: boardCard(locale, [other], { ...options, otherTeams: [{ teamId: 't-2', name: 'Ringa **FK** ${x}' }, { teamId: 't-3', name: null }] }),
    boardDaily: boardCard(locale, [entry], { ...options, daily: true }),
    boardPage: boardCard(locale, Array.from({ length: 10 }, (_, i) => ({ ...entry, groupId: `g-${i}` })), { ...options, offset: 10, total: 25 }),
    boardStats: boardCard(locale, [entry], { ...options, stats }),
    boardStatsEmpty: boardCard(locale, [], { ...options, stats: boardStats([], now, 'Europe/Stockholm') }),
    boardForm: boardFormCard(locale, { id: 'g-1', alias: 'K.L.' }),
    boardFormWithErrors: boardFormCard(locale, { id: 'g-1', alias: 'K.L.' }, { reasonCode: 'other' }, { reasonText: 'board.error.reasonText', interventions: 'board.error.interventions' }),
    boardRemoveForm: boardRemoveFormCard(locale, { id: 'g-1', alias: 'K.L.' }, { placedAt: at('2026-11-17T10:00:00Z'), days: 15 }),
    boardRemoveFormWithErrors: boardRemoveFormCard(locale, { id: 'g-1', alias: 'K.L.' }, { placedAt: at('2026-11-17T10:00:00Z'), days: 15 }, { note: '' }, { note: 'board.error.note' }),
    boardHistory: boardHistoryCard(locale, 'K.L.', [
      { placedAt: at('2026-11-17T10:00:00Z'), removedAt: null, reasonCode: 'suicide_risk', reasonText: null, interventions: 'Ringa **FK** ${x}', removalNote: null, placedBy: 'Sara ${$root} Lind', removedBy: null },
      { placedAt: at('2026-10-01T10:00:00Z'), removedAt: at('2026-10-20T10:00:00Z'), reasonCode: 'other', reasonText: 'Sjuk **hela** veckan ${$root}', interventions: null, removalNote: 'Skicka **ansökan** ${$root}', placedBy: null, removedBy: 'Anna Berg' },
    ], 'Europe/Stockholm'),
    boardHistoryEmpty: boardHistoryCard(locale, 'K.L.', [], 'Europe/Stockholm'),
    boardSettings: boardSettingsFormCard(locale, 't-1', { dailyTime: '08:30', dailyEnabled: true, askAfterDays: 14, channelConversationId: null }, { notice: 'ok' }),
    boardSettingsWithErrors: boardSettingsFormCard(locale, 't-1', { dailyTime: '08:30', dailyEnabled: true, askAfterDays: 14, channelConversationId: '19:c' }, { values: { dailyTime: 'x', askAfterDays: '0' }, fieldErrors: { dailyTime: 'board.error.time', askAfterDays: 'board.error.askAfterDays' } }),
    boardTeamForm: boardTeamFormCard(locale, 'g-1', [{ teamId: 't-1', name: 'Ringa **FK** ${x}' }, { teamId: 't-2', name: null }], null),
    boardTeamFormWithErrors: boardTeamFormCard(locale, 'g-1', [{ teamId: 't-1', name: null }], 't-1', { teamId: 'board.team.required' }),
    boardTeamFormNoTeams: boardTeamFormCard(locale, 'g-1', [], null),
    shellBoardCount: shellCard(locale, { titleKey: 'shell.boardDaily.title', verb: 'boardShow', data: { teamId: 't-1', daily: true }, userIds: ['29:sara'], bilingual: true, note: '2 på tavlan · 2 on the board' }),
    reminderBoardQuestion: reminderCard(locale, [{ reminderId: 'r10', kind: 'board_question', when: at('2026-11-17T10:00:00Z'), wholeDay: true, groupId: 'g-1' }], { timeZone: 'Europe/Stockholm', alias: 'K.L.' }),
  };
}

/** Every card the bot renders, with sample data, per locale. */
function sampleCards(locale: (typeof LOCALES)[number]): Record<string, AdaptiveCardJson> {
  return {
    helpWithoutGroup: helpCard(locale, 'none'),
    helpWithGroup: helpCard(locale, 'group'),
    welcomePersonal: welcomeCard('personal', LOCALES),
    welcomeNotAGroup: welcomeCard('notAGroup', LOCALES),
    welcomeGroup: welcomeCard('group', [locale]),
    unknown: unknownCommandCard(locale),
    notAvailable: notAvailableCard(locale, COMMAND_DEFINITIONS.find((c) => c.id === 'plan')!),
    notAvailableBoard: notAvailableCard(locale, COMMAND_DEFINITIONS.find((c) => c.id === 'board')!),
    ...Object.fromEntries(ERROR_CODES.map((code) => [`error.${code}`, errorCard(locale, code)])),
    setupForm: groupSetupFormCard(locale, people, { caseManager: '29:sara' }),
    setupFormWithErrors: groupSetupFormCard(locale, people, { alias: '19850101-1234', model: 'X' }, {
      alias: 'setup.error.aliasIdentityNumber',
      model: 'setup.error.modelRequired',
      caseManager: 'setup.error.caseManagerRequired',
    }),
    summaryCreated: groupSummaryCard(locale, { alias: 'K.L.', model: 'IP', caseManagerName: 'Sara Lind' }, 'created'),
    summaryExists: groupSummaryCard(locale, { alias: 'K.L.', model: 'STRENGTHS', caseManagerName: 'Sara Lind' }, 'exists'),
    shell: shellCard(locale, { titleKey: 'shell.goalUpdated.title', verb: 'goalShow', data: { goalId: 'goal-1' }, userIds: ['29:sara'] }),
    shellChangedBilingual: shellCard(locale, { titleKey: 'shell.agreementChanged.title', changed: { at: new Date('2026-11-25T13:02:00Z'), timeZone: 'Europe/Stockholm' }, verb: 'agreementShow', data: { agreementId: 'a-1' }, userIds: ['29:sara'], bilingual: true }),
    shellWithoutByline: shellCard(locale, { titleKey: 'shell.plan.title', verb: 'planShow', userIds: [] }),
    ...Object.fromEntries(SHELL_VERBS.map((verb) => [`shell-${verb}`, shellCard(locale, { titleKey: 'shell.summary', verb, data: { id: 'x' }, userIds: [] })])),
    members: membersCard(locale, [sara, lars], { timeZone: 'Europe/Stockholm', userIds: ['29:sara'], notice: 'ok', canManage: true }),
    memberAddRoster: memberAddFormCard(locale, 'roster', people),
    memberAddContactWithErrors: memberAddFormCard(locale, 'contact', [], { contactName: '' }, { contactName: 'members.error.nameRequired', role: 'members.error.roleRequired' }),
    memberChange: memberChangeFormCard(locale, [{ id: 'm-sara', name: 'Sara Lind' }], { change: 'role' }, { role: 'members.error.roleRequired' }),
    planEmpty: planCard(locale, [], { alias: 'K.L.', timeZone: 'Europe/Stockholm', userIds: [] }),
    plan: planCard(locale, [sampleGoal(), sampleGoal({ id: 'goal-2', lifeArea: 'health', progress: null, updates: [], subGoals: [], responsible: null })], { alias: 'K.L.', timeZone: 'Europe/Stockholm', userIds: ['29:sara'], notice: 'saved' }),
    goal: goalCard(locale, sampleGoalDetails(), { timeZone: 'Europe/Stockholm', userIds: ['29:sara'], notice: 'saved', noticeColor: 'Good' }),
    goalBare: goalCard(locale, sampleGoalDetails({ progress: null, targetDate: null, individualAgreedAt: null, responsible: null, subGoals: [], updates: [] }, { subGoals: 0, updates: 0 }), { timeZone: 'Europe/Stockholm', userIds: [] }),
    goalWithSubGoalAdded: goalCard(locale, sampleGoalDetails({ updates: [subGoalAdded, ...sampleGoal().updates] }, { subGoals: 1, updates: 4 }), { timeZone: 'Europe/Stockholm', userIds: [] }),
    goalHistoryPage: goalCard(locale, sampleGoalDetails({}, { subGoals: 40, updates: 30 }), { timeZone: 'Europe/Stockholm', userIds: [], historyOffset: 10 }),
    planPage: planCard(locale, [sampleGoal({ _count: { agreements: 7 } } as Partial<PlanGoal>)], { alias: 'K.L.', timeZone: 'Europe/Stockholm', userIds: [], offset: 15, total: 40 }),
    membersWithIndividual: membersCard(locale, [sara, individual, lars], { timeZone: 'Europe/Stockholm', userIds: [], canManage: true }),
    membersPage: membersCard(locale, [sara, lars], { timeZone: 'Europe/Stockholm', userIds: [], offset: 30, total: 95, canManage: false }),
    agreementHistoryPage: agreementCard(locale, { ...sampleAgreement(), _count: { events: 40 } } as AgreementWithHistory, { timeZone: 'Europe/Stockholm', today: at('2026-12-05T00:00:00Z'), members: people, userIds: [], eventsOffset: 15, viewer: caseManagerViewer, fromList: { list: 'summary', since: '2026-11-09' } }),
    minePage: agreementListCard(locale, 'mine', [{ heading: 'K.L.', items: [{ id: 'a1', what: 'Ringa FK', dueDate: at('2026-11-01T00:00:00Z'), status: 'accepted' }] }], { today: at('2026-11-23T00:00:00Z'), offset: 25, total: 60, verb: 'mineShow', data: {} }),
    summaryPage: agreementListCard(locale, 'summary', [{ heading: 'Sara Lind', items: [{ id: 'a1', what: 'Ringa FK', dueDate: at('2026-12-01T00:00:00Z'), status: 'done' }] }], { today: at('2026-11-23T00:00:00Z'), since: at('2026-11-09T00:00:00Z'), offset: 0, total: 60, verb: 'agreementSummaryShow', data: { since: '2026-11-09' } }),
    goalForm: goalFormCard(locale, [{ id: 'm-sara', name: 'Sara Lind' }], '2026-11-23'),
    goalFormWithErrors: goalFormCard(locale, [], '2026-11-23', { text: 'x'.repeat(501) }, { text: 'plan.error.textTooLong', targetDate: 'plan.error.datePast' }),
    subGoalForm: subGoalFormCard(locale, [{ id: 'goal-1', text: 'Mål' }], [{ id: 'm-sara', name: 'Sara Lind' }], '2026-11-23', { goalId: 'goal-1' }),
    goalUpdateForm: goalUpdateFormCard(locale, [{ id: 'goal-1', text: 'Mål', version: 3, status: 'in_progress', progress: 6 }]),
    agreement: agreementCard(locale, sampleAgreement(), { timeZone: 'Europe/Stockholm', today: at('2026-12-05T00:00:00Z'), members: people, userIds: ['29:sara'], notice: 'saved', viewer: responsibleViewer }),
    agreementForCaseManager: agreementCard(locale, sampleAgreement(), { timeZone: 'Europe/Stockholm', today: at('2026-12-05T00:00:00Z'), members: people, userIds: ['29:sara'], viewer: caseManagerViewer, fromList: { list: 'mine' } }),
    agreementForOther: agreementCard(locale, sampleAgreement(), { timeZone: 'Europe/Stockholm', today: at('2026-12-05T00:00:00Z'), members: people, userIds: ['29:sara'], viewer: { memberId: 'm-other', isCaseManager: false } }),
    agreementDone: agreementCard(locale, sampleAgreement({ status: 'done' }), { timeZone: 'Europe/Stockholm', today: at('2026-11-05T00:00:00Z'), members: people, userIds: [], viewer: responsibleViewer }),
    agreementForm: agreementFormCard(locale, people, [{ value: 'goal:goal-1', title: 'Mål' }], '2026-11-23'),
    agreementFormWithErrors: agreementFormCard(locale, people, [], '2026-11-23', { what: '' }, { what: 'agreement.error.whatRequired', dueDate: 'plan.error.datePast' }),
    reminderAgreementPersonal: reminderCard(locale, [{ reminderId: 'r1', kind: 'agreement_due', when: at('2026-12-03T00:00:00Z'), wholeDay: true, agreement: { id: 'a1', version: 2 }, nextMeeting: true }], { timeZone: 'Europe/Stockholm', alias: 'K.L.' }),
    reminderEscalation: reminderCard(locale, [{ reminderId: 'r2', kind: 'agreement_escalation', when: at('2026-12-03T00:00:00Z'), wholeDay: true, agreement: { id: 'a1', version: 2 } }], { timeZone: 'Europe/Stockholm', alias: 'K.L.' }),
    reminderFollowUpChannel: reminderCard(locale, [{ reminderId: 'r3', kind: 'follow_up', followUpKind: 'sip_meeting', when: at('2026-12-01T08:00:00Z'), wholeDay: false }], { timeZone: 'Europe/Stockholm' }),
    reminderAgenda: reminderCard(locale, [{ reminderId: 'r4', kind: 'meeting_agenda', followUpKind: 'group_meeting', when: at('2026-12-01T08:00:00Z'), wholeDay: false }], { timeZone: 'Europe/Stockholm' }),
    reminderDigest: reminderCard(locale, [{ reminderId: 'r5', kind: 'weekly_digest', when: at('2026-11-30T07:00:00Z'), wholeDay: false }], { timeZone: 'Europe/Stockholm' }),
    reminderPersonalDigest: reminderCard(locale, [{ reminderId: 'r6', kind: 'personal_digest', when: at('2026-11-30T07:00:00Z'), wholeDay: false }], { timeZone: 'Europe/Stockholm', alias: 'K.L.' }),
    reminderCatchUp: reminderCard(locale, [
      { reminderId: 'r7', kind: 'follow_up', followUpKind: 'plan_follow_up', when: at('2026-11-30T08:00:00Z'), wholeDay: false },
      { reminderId: 'r8', kind: 'agreement_overdue', when: at('2026-11-27T00:00:00Z'), wholeDay: true, agreement: { id: 'a1', version: 2 } },
    ], { timeZone: 'Europe/Stockholm', gathered: 'late' }),
    // A person's reminders of two groups due at once, in their personal chat: each line with its group's alias.
    reminderGathered: reminderCard(locale, [
      { reminderId: 'r10', kind: 'agreement_due', when: at('2026-12-03T00:00:00Z'), wholeDay: true, agreement: { id: 'a2', version: 1 }, alias: 'K.L.' },
      { reminderId: 'r11', kind: 'agreement_due', when: at('2026-12-03T00:00:00Z'), wholeDay: true, agreement: { id: 'a3', version: 1 }, alias: 'M.N.' },
      { reminderId: 'r12', kind: 'agreement_escalation', when: at('2026-11-27T00:00:00Z'), wholeDay: true, agreement: { id: 'a4', version: 3 }, alias: 'M.N.' },
      { reminderId: 'r13', kind: 'crisis_plan_review', when: at('2026-12-03T07:00:00Z'), wholeDay: true, groupId: 'g1', alias: 'K.L.' },
    ], { timeZone: 'Europe/Stockholm', personal: true, gathered: 'many' }),
    reminderMention: reminderCard(locale, [{ reminderId: 'r9', kind: 'agreement_overdue', when: at('2026-11-27T00:00:00Z'), wholeDay: true, agreement: { id: 'a1', version: 2 } }], { timeZone: 'Europe/Stockholm', mention: { id: '29:anna', name: 'Anna **B**' } }),
    followUps: followUpsCard(locale, [
      { id: 'f1', kind: 'group_meeting', nextAt: at('2026-12-01T08:00:00Z'), recurrence: 'monthly:1:2', audience: 'channel', audienceMemberIds: null },
      { id: 'f2', kind: 'plan_follow_up', nextAt: null, recurrence: 'weekly:2', audience: 'members', audienceMemberIds: JSON.stringify(['29:sara']) },
    ], { alias: 'K.L.', timeZone: 'Europe/Stockholm', userIds: ['29:sara'], total: 5, pending: 3, unreachableSince: at('2026-11-20T10:00:00Z'), members: people, notice: 'ok', canManage: true, personalDigest: false }),
    followUpsEmpty: followUpsCard(locale, [], { alias: 'K.L.', timeZone: 'Europe/Stockholm', userIds: [], total: 0, pending: 0, unreachableSince: null, members: [], canManage: false, personalDigest: true }),
    reminderSettings: reminderSettingsFormCard(locale, { workDays: '1,2,3,4,5', workdayStartMinute: 480, workdayEndMinute: 1440, observeHolidays: true, weeklyDigest: false, reminderLeadDays: 1, escalateAfterDays: 3 }),
    reminderSettingsWithErrors: reminderSettingsFormCard(locale, { workDays: '1', workdayStartMinute: 480, workdayEndMinute: 1020, observeHolidays: true, weeklyDigest: true, reminderLeadDays: 1, escalateAfterDays: 3 }, { workDays: '', start: '18:00', end: '08:00' }, { workDays: 'settings.error.workDays', end: 'settings.error.hours', days: 'settings.error.days' }),
    followUpForm: followUpFormCard(locale, people, '2026-11-23'),
    followUpChangeForm: followUpFormCard(locale, people, '2026-11-23', { followUpId: 'f1', kind: 'sip_meeting', day: '2026-12-01', time: '09:00', repeat: 'monthly', members: '29:sara' }),
    followUpFormWithErrors: followUpFormCard(locale, people, '2026-11-23', { kind: 'x' }, { kind: 'followUp.error.kindRequired', day: 'followUp.error.past', time: 'followUp.error.timeRequired', members: 'followUp.error.members' }),
    digest: digestCard(locale, 'digest', [{ heading: 'Försenade', items: [{ text: 'Ringa **FK** ${x}', line: 'Anna · 1 dec', overdue: true }] }, { heading: 'Tomt', items: [] }], { alias: 'K.L.', subtitle: 'Vecka' }),
    agenda: digestCard(locale, 'agenda', [{ heading: 'Öppna', items: [] }], { alias: 'K.L.', subtitle: 'SIP-möte', summarySince: '2026-12-01' }),
    refusal: neutralRefusalCard(locale, 'view'),
    ...boardSamples(locale),
    ...crisisPlanSamples(locale),
    mine: agreementListCard(locale, 'mine', [{ heading: 'K.L.', items: [{ id: 'a1', what: 'Ringa FK', dueDate: at('2026-11-01T00:00:00Z'), status: 'accepted' }] }], { today: at('2026-11-23T00:00:00Z') }),
    mineEmpty: agreementListCard(locale, 'mine', [], { today: at('2026-11-23T00:00:00Z') }),
    mineEmptyAllDone: agreementListCard(locale, 'mine', [], { today: at('2026-11-23T00:00:00Z'), someDone: true }),
    summary: agreementListCard(locale, 'summary', [{ heading: 'Sara Lind', items: [{ id: 'a1', what: 'Ringa FK', dueDate: at('2026-12-01T00:00:00Z'), status: 'done' }] }], { today: at('2026-11-23T00:00:00Z'), since: at('2026-11-09T00:00:00Z') }),
    log: logCard(locale, logLines(locale), { alias: 'K.L.', userIds: ['29:sara'], filter: 'all', members: logContext.members, offset: 0, total: logEntries.length }),
    logFilteredPage: logCard(locale, logLines(locale), { alias: 'K.L.', userIds: ['29:sara'], filter: 'crisisPlan', memberId: 'm-lars', members: logContext.members, offset: 25, total: 300 }),
    logEmpty: logCard(locale, [], { alias: 'K.L.', userIds: [], filter: 'changes', members: [], offset: 0, total: 0 }),
    logExtractForm: logExtractFormCard(locale, '2026-11-25', period),
    logExtractFormWithErrors: logExtractFormCard(locale, '2026-11-25', { from: '2026-13-01', to: '2027-01-01' }, { from: 'log.extract.error.dateInvalid', to: 'log.extract.error.future' }),
    logExtract: logExtractCard(locale, 'card', logLines(locale), { alias: 'K.L.', period, offset: 0, total: 40, timeZone: 'Europe/Stockholm' }),
    logExtractText: logExtractCard(locale, 'text', logLines(locale), { alias: 'K.L.', period, offset: 100, total: 140, timeZone: 'Europe/Stockholm' }),
    logExtractEmpty: logExtractCard(locale, 'card', [], { alias: 'K.L.', period, offset: 0, total: 0, timeZone: 'Europe/Stockholm' }),
    ...myGroupsSamples(locale),
    goalUpdateFormWithErrors: goalUpdateFormCard(locale, [{ id: 'goal-1', text: 'Mål', version: 3, status: 'in_progress', progress: null }], { progress: '11' }, { progress: 'plan.error.progressRange' }),
  };
}

describe('cards', () => {
  for (const locale of LOCALES) {
    for (const [name, card] of Object.entries(sampleCards(locale))) {
      it(`${name} (${locale}) is a valid Adaptive Card 1.5`, () => {
        expect(adaptiveCardErrors(card, { literalUserText: SAMPLE_USER_TEXTS })).toEqual([]);
      });
    }
  }

  it('every template in cards/ is known to the renderer and used by a sample', () => {
    const files = readdirSync(CARD_TEMPLATES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual([...CARD_NAMES].sort());
  });

  it('the help card lists every command, Swedish first with its English alias, in both locales', () => {
    const sv = cardText(helpCard('sv', 'none'));
    const en = cardText(helpCard('en', 'none'));
    for (const command of COMMAND_DEFINITIONS) {
      expect(sv).toContain(`**${command.sv}** · ${command.en}`);
      expect(en).toContain(`**${command.sv}** · ${command.en}`);
    }
    expect(sv).toContain('Så här använder du Resursgrupp');
    expect(en).toContain('How to use Resursgrupp');
    // "Coming soon" only while some command is not built.
    expect(sv.includes('(kommer snart)')).toBe(COMMAND_DEFINITIONS.some((c) => !c.available));
    expect(en.includes('(coming soon)')).toBe(COMMAND_DEFINITIONS.some((c) => !c.available));
  });

  it('shows text typed by users literally: no template evaluation, no markdown', () => {
    const alias = '${$root} **x** ${string(1)}';
    const card = groupSummaryCard('sv', { alias, model: 'FACT', caseManagerName: '${strings.title}' }, 'created');
    expect(adaptiveCardErrors(card, { literalUserText: alias }).filter((e) => !e.includes('${'))).toEqual([]);
    const runs = JSON.stringify(card);
    expect(runs).toContain(JSON.stringify({ type: 'TextRun', text: alias }));
    expect(runs).toContain(JSON.stringify({ type: 'TextRun', text: '${strings.title}' }));
    // User text sits only in TextRuns (never markdown) and the rest of the card is untouched.
    expect(cardText(card)).toContain('Resursgruppen är startad');
  });

  it('refills the set-up form and shows each field error next to its field', () => {
    const card = groupSetupFormCard('en', people, { alias: 'K.L. 850101-1234', model: 'FACT' }, { alias: 'setup.error.aliasIdentityNumber' });
    const body = card.body as Array<Record<string, unknown>>;
    const aliasIndex = body.findIndex((e) => e.id === 'alias');
    expect(body[aliasIndex]?.value).toBe('K.L. 850101-1234');
    expect(body[aliasIndex + 1]?.text).toBe('The alias looks like it contains a personal identity number. Use initials or an alias instead.');
    expect(cardText(card)).toContain('Something needs correcting before the group can be set up.');
    expect(cardText(card)).not.toContain('Choose a model.\n');
  });
});

describe('card action verbs', () => {
  const deps = { db: {} as never, config: { defaultTimeZone: 'Europe/Stockholm', localMode: true }, logger: silentLogger, now: () => new Date() };
  const handledVerbs = createFeatures(deps).flatMap((feature) => Object.keys(feature.actions ?? {}));

  function verbsIn(node: unknown, found: Set<string> = new Set()): Set<string> {
    if (Array.isArray(node)) node.forEach((n) => verbsIn(n, found));
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (typeof obj.verb === 'string') found.add(obj.verb);
      Object.values(obj).forEach((v) => verbsIn(v, found));
    }
    return found;
  }

  // Verbs written in the templates, plus those a builder fills in (the shell card takes its verb as data).
  const templateVerbs = new Set<string>();
  for (const name of CARD_NAMES) {
    verbsIn(JSON.parse(readFileSync(path.join(CARD_TEMPLATES_DIR, `${name}.json`), 'utf8')), templateVerbs);
  }
  for (const locale of LOCALES) verbsIn(Object.values(sampleCards(locale)), templateVerbs);
  for (const verb of [...templateVerbs]) if (verb.includes('${')) templateVerbs.delete(verb);

  it('every verb in every card has exactly one handler', () => {
    expect(templateVerbs.size).toBeGreaterThan(0);
    for (const verb of templateVerbs) expect(handledVerbs.filter((v) => v === verb)).toHaveLength(1);
  });

  it('every handler has a card that uses its verb', () => {
    for (const verb of handledVerbs) expect(templateVerbs.has(verb)).toBe(true);
  });

  // Typeahead datasets (Input.ChoiceSet "choices.data") and the search handlers that answer them.
  const handledDatasets = createFeatures(deps).flatMap((feature) => Object.keys(feature.searches ?? {}));
  function datasetsIn(node: unknown, found: Set<string> = new Set()): Set<string> {
    if (Array.isArray(node)) node.forEach((n) => datasetsIn(n, found));
    else if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      const query = obj['choices.data'] as { type?: string; dataset?: unknown } | undefined;
      if (query && typeof query.dataset === 'string') found.add(query.dataset);
      Object.values(obj).forEach((v) => datasetsIn(v, found));
    }
    return found;
  }
  const cardDatasets = new Set<string>();
  for (const name of CARD_NAMES) datasetsIn(JSON.parse(readFileSync(path.join(CARD_TEMPLATES_DIR, `${name}.json`), 'utf8')), cardDatasets);
  for (const locale of LOCALES) datasetsIn(Object.values(sampleCards(locale)), cardDatasets);

  it('every typeahead dataset in every card has exactly one search handler', () => {
    expect(cardDatasets.size).toBeGreaterThan(0);
    for (const dataset of cardDatasets) expect(handledDatasets.filter((d) => d === dataset)).toHaveLength(1);
  });

  it('every search handler has a card that queries its dataset', () => {
    expect(handledDatasets.length).toBeGreaterThan(0);
    for (const dataset of handledDatasets) expect(cardDatasets.has(dataset)).toBe(true);
  });
});

/** The element of a card with this id (an input), wherever it sits. */
function elementById(node: unknown, id: string): Record<string, unknown> | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = elementById(child, id);
      if (found) return found;
    }
  } else if (node && typeof node === 'object') {
    const obj = node as Record<string, unknown>;
    if (obj.id === id) return obj;
    for (const value of Object.values(obj)) {
      const found = elementById(value, id);
      if (found) return found;
    }
  }
  return undefined;
}

/** The text of the TextBlock right after the input with this id (where a form shows the field's error). */
function errorAfter(card: AdaptiveCardJson, id: string): unknown {
  const body = card.body as Array<Record<string, unknown>>;
  return body[body.findIndex((e) => e.id === id) + 1]?.text;
}

describe('what the cards say', () => {
  const today = '2026-11-23';
  const members = [{ id: 'm-sara', name: 'Sara Lind' }];

  it('a date input that refuses past days says so and names the earliest day, as the cards show days', () => {
    const inputs = (locale: 'sv' | 'en') => ({
      goal: elementById(goalFormCard(locale, members, today), 'targetDate'),
      subGoal: elementById(subGoalFormCard(locale, [{ id: 'goal-1', text: 'Mål' }], members, today), 'targetDate'),
      agreement: elementById(agreementFormCard(locale, people, [], today), 'dueDate'),
    });
    const sv = inputs('sv');
    const en = inputs('en');
    for (const input of [...Object.values(sv), ...Object.values(en)]) expect(input?.min).toBe(today);
    // Optional: Teams shows the message only for a day before `min`.
    expect(sv.goal?.errorMessage).toBe('Datumet har redan passerat. Välj 23 nov. 2026 eller senare.');
    expect(en.goal?.errorMessage).toBe('The date has already passed. Choose 23 Nov 2026 or later.');
    // Required: the same message is shown for an empty date, so it has to be true for both.
    for (const input of [sv.subGoal, sv.agreement]) expect(input?.errorMessage).toBe('Välj ett datum som inte har passerat: 23 nov. 2026 eller senare.');
    for (const input of [en.subGoal, en.agreement]) expect(input?.errorMessage).toBe('Choose a date that has not passed: 23 Nov 2026 or later.');
  });

  it('the server\'s "date has passed" next to the field names the earliest day too', () => {
    const past = { targetDate: '2020-01-01', dueDate: '2020-01-01' };
    const goal = goalFormCard('sv', members, today, past, { targetDate: 'plan.error.datePast' });
    expect(errorAfter(goal, 'targetDate')).toBe('Datumet har redan passerat. Välj 23 nov. 2026 eller senare.');
    const subGoal = subGoalFormCard('en', [{ id: 'goal-1', text: 'Mål' }], members, today, past, { targetDate: 'plan.error.datePast' });
    expect(errorAfter(subGoal, 'targetDate')).toBe('The date has already passed. Choose 23 Nov 2026 or later.');
    const agreement = agreementFormCard('en', people, [], today, past, { dueDate: 'plan.error.datePast' });
    expect(errorAfter(agreement, 'dueDate')).toBe('The date has already passed. Choose 23 Nov 2026 or later.');
    for (const card of [goal, subGoal, agreement]) expect(cardText(card)).not.toContain('{date}');
  });

  it('the member list names the case manager once, shows the individual as the individual and relatives as private', () => {
    for (const locale of LOCALES) {
      const caseManager = cardText(membersCard(locale, [sara], { timeZone: 'Europe/Stockholm', userIds: [], canManage: false }));
      expect(caseManager.match(/case manager/gi), caseManager).toHaveLength(1);
      expect(caseManager).toContain('Sara Lind\n · case manager\nRegion · Psykiatrin Syd');
    }
    const sv = cardText(membersCard('sv', [individual, lars], { timeZone: 'Europe/Stockholm', userIds: [], canManage: false }));
    expect(sv).toContain('K.L.\n\nIndividen\n');
    expect(sv).toContain('Lars **L**\n\nNärstående · Privat / närstående\n');
    expect(sv.match(/närstående/gi)).toHaveLength(2);
    const en = cardText(membersCard('en', [individual], { timeZone: 'Europe/Stockholm', userIds: [], canManage: false }));
    expect(en).toContain('The individual');
    expect(en).not.toContain('Private / relative');
  });

  it('the plan and goal cards label the ratings trend as progress ratings 0–10, oldest first', () => {
    const plan = cardText(planCard('sv', [sampleGoal()], { alias: 'K.L.', timeZone: 'Europe/Stockholm', userIds: [] }));
    expect(plan).toContain('Pågår · framsteg 6/10\nSkattningar av framsteg (0–10), äldst först: 3 → 6 (uppåt ↗)');
    const goal = cardText(goalCard('en', sampleGoalDetails(), { timeZone: 'Europe/Stockholm', userIds: [] }));
    expect(goal).toContain('In progress · progress 6/10\nProgress ratings (0–10), oldest first: 3 → 6 (rising ↗)');
  });

  it('the goal history shows an added sub-goal (its text as a TextRun) and a status only where it changed', () => {
    const card = goalCard('sv', sampleGoalDetails({ updates: [subGoalAdded, ...sampleGoal().updates] }, { subGoals: 1, updates: 4 }), { timeZone: 'Europe/Stockholm', userIds: [] });
    const text = cardText(card);
    expect(text).toContain('Sara Lind\n · lade till delmålet:\n Skicka **ansökan** ${$root}');
    expect(JSON.stringify(card)).toContain(JSON.stringify({ type: 'TextRun', text: ' Skicka **ansökan** ${$root}', size: 'Small' }));
    // The newest rating kept the status: only the rating is named.
    expect(text).toContain('Sara Lind\n · framsteg 6/10\nBra vecka **x**');
    expect(text).not.toMatch(/status Pågår|Pågår → Pågår/);
    expect(text).toContain('status Inte påbörjat → Pågår · framsteg 3/10');
    expect(text).toContain('målet skapades');
    const en = cardText(goalCard('en', sampleGoalDetails({ updates: [subGoalAdded] }, { subGoals: 1, updates: 1 }), { timeZone: 'Europe/Stockholm', userIds: [] }));
    expect(en).toContain('Sara Lind\n · added the sub-goal:\n Skicka **ansökan** ${$root}');
  });

  it('an empty "mine" says "well done" only to someone who has done agreements', () => {
    const empty = (locale: 'sv' | 'en', someDone?: boolean) => cardText(agreementListCard(locale, 'mine', [], { today: at('2026-11-23T00:00:00Z'), someDone }));
    expect(empty('sv')).toBe('Mina öppna överenskommelser\nDu har inga öppna överenskommelser.');
    expect(empty('en', false)).toBe('My open agreements\nYou have no open agreements.');
    expect(empty('sv', true)).toBe('Mina öppna överenskommelser\nDu har inga öppna överenskommelser. Bra jobbat!');
    expect(empty('en', true)).toBe('My open agreements\nYou have no open agreements. Well done!');
  });

  it('a command not built yet says so, in the caller\'s language', () => {
    const board = COMMAND_DEFINITIONS.find((c) => c.id === 'board')!;
    expect(cardText(notAvailableCard('sv', board))).toContain('Kommandot **tavla** finns inte ännu.');
    expect(cardText(notAvailableCard('en', board))).toContain('The command **board** is not available yet.');
  });

  it('the welcome says what the bot does in the place it was installed', () => {
    const personal = cardText(welcomeCard('personal', LOCALES));
    expect(personal.indexOf('Hej! Jag är Resursgrupp')).toBeLessThan(personal.indexOf('Hello! I am Resursgrupp'));
    expect(personal).toContain('**mina**');
    expect(personal).toContain('**mine**');
    expect(personal).not.toMatch(/starta|setup/);
    const notAGroup = cardText(welcomeCard('notAGroup', LOCALES));
    expect(notAGroup).toContain('skriv **starta** för att göra den här konversationen till en resursgrupp');
    expect(notAGroup).toContain('type **setup** to make this conversation a resource group');
    const group = cardText(welcomeCard('group', ['en']));
    expect(group).toContain('This conversation belongs to the resource group. Mention me and type **help**');
    expect(group).not.toMatch(/setup|Hej/);
  });
});
