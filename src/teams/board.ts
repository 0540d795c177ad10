import type { TurnContext } from 'botbuilder';
import { BOARD_PAGE_SIZE, boardCard, boardFormCard, boardHistoryCard, boardRemoveFormCard, boardSettingsFormCard, boardTeamFormCard, type BoardCardEntry } from '../cards/board';
import { formValue } from '../cards/format';
import { noticeCard } from '../cards/notice';
import { offsetOf } from '../cards/paging';
import type { AdaptiveCardJson } from '../cards/render';
import { BOARD_STATS_WEEKS, boardStats, daysOnBoard, DEFAULT_ASK_AFTER_DAYS, validateBoardEntryInput, validateBoardRemoval, validateBoardSettings } from '../domain/board';
import { DomainError, isDomainError } from '../domain/errors';
import { todayIn } from '../domain/forms';
import type { Locale } from '../domain/locale';
import { hasConsent } from '../domain/members';
import { isMessageKey, translate, type MessageKey } from '../locales';
import { recordAudit, recordAudits } from '../storage/audit';
import {
  countOnBoard,
  findBoardDetails,
  findBoardEntries,
  findBoardStaysSince,
  findBoardTeam,
  findCurrentBoardEntry,
  findFactGroupsOfTeam,
  findConsentedFactTeamsOf,
  findFactTeamsOf,
  findTeamNames,
  assignGroupToTeam,
  findMembershipsOf,
  listBoardHistory,
  placeOnBoard,
  saveBoardSettings,
  setBoardChannel,
  takeOffBoard,
} from '../storage/board';
import { callerOf, conversationKey, conversationOf, localeOf, triggerOf } from './context';
import type { BotDeps, Feature } from './feature';
import { auditRead, postShell, requireAccessToGroup, type Group, type GroupTurn } from './group-context';
import { replyWithCard } from './send';
import { claimKeyOfTurn, groupOfTurn, tenantOf } from './turn';

const DAY_MS = 86_400_000;
const FACT = 'FACT';

/** Who looks at a team's board, and which of its FACT groups they may see (consented membership, per group). */
interface BoardViewer {
  teamId: string;
  /** Every FACT group of the team (the count and the statistics are over all of them: numbers only). */
  teamGroups: Group[];
  /** The groups whose entries this viewer may see. */
  visible: Group[];
  memberships: Awaited<ReturnType<typeof findMembershipsOf>>;
  locale: Locale;
}

type Sub = 'show' | 'add' | 'remove' | 'here' | 'stats' | 'team';

/** The sub-command in `tavla …` / `board …`; anything else shows the board. */
export function boardSubCommand(args: string): Sub {
  const text = args.trim().toLowerCase().replace(/\s+/g, ' ');
  if (['lägg till', 'lagg till', 'add', 'lägg upp', 'sätt upp', 'satt upp'].includes(text)) return 'add';
  if (['ta bort', 'remove', 'take off'].includes(text)) return 'remove';
  if (['här', 'har', 'here'].includes(text)) return 'here';
  if (['statistik', 'stats', 'statistics'].includes(text)) return 'stats';
  if (['team', 'teamet'].includes(text)) return 'team';
  return 'show';
}

/**
 * `tavla` / `board`: the FACT board. A FACT group belongs to its team (the Teams team its channel is
 * in); the board shows everyone on it across the team's FACT groups that the viewer is a member of with
 * consent, checked per group from the caller's identity. What others in a channel see is a shell with a
 * count; the board itself is each member's own view. Every change is audited (`board.add`,
 * `board.remove`), every look too (`board.read`), never with the text.
 */
export function boardFeature(deps: BotDeps): Feature {
  const { db, logger, now } = deps;

  const polite = (locale: Locale, key: MessageKey) => noticeCard({ title: translate(locale, 'board.title'), text: translate(locale, key), color: 'Default' });

  /** The team a turn is about: the card's, the channel's, the group's, or (personal chat) the caller's first FACT team. */
  async function teamOf(context: TurnContext, data: Record<string, unknown>): Promise<string | undefined> {
    const named = formValue(data.teamId);
    if (named) return named;
    const here = conversationOf(context);
    if (here.teamId) return here.teamId;
    const group = await groupOfTurn(db, context);
    if (group) return group.teamId ?? undefined;
    const caller = callerOf(context).aadObjectId;
    return (await findConsentedFactTeamsOf(db, caller))[0] ?? (await findFactTeamsOf(db, caller))[0];
  }

  /** A group whose model is not FACT has no board: said politely, before anything is read. */
  function requireFact(group: Group): void {
    if (group.caseManagementModel !== FACT) throw new DomainError('invalid_input', {}, 'board.notFact');
  }

  async function requireBoardViewer(context: TurnContext, data: Record<string, unknown>, action: string): Promise<BoardViewer> {
    const here = await groupOfTurn(db, context);
    if (here && here.caseManagementModel !== FACT && !formValue(data.teamId)) throw new DomainError('invalid_input', {}, 'board.notFact');
    const teamId = await teamOf(context, data);
    if (!teamId) throw new DomainError('not_found', {}, 'board.noTeam');
    // Only the turn's tenant's groups, whatever team id a card names.
    const tenant = tenantOf(context);
    const teamGroups = (await findFactGroupsOfTeam(db, teamId)).filter((g) => !tenant || !g.tenantId || g.tenantId === tenant);
    if (teamGroups.length === 0) throw new DomainError('not_found', {}, 'board.noTeam');
    const caller = callerOf(context);
    const memberships = await findMembershipsOf(db, caller.aadObjectId, teamGroups.map((g) => g.id));
    const consented = new Set(memberships.filter(hasConsent).map((m) => m.groupId));
    if (consented.size === 0) {
      const reason = memberships.length > 0 ? 'no_consent' : 'not_a_member';
      await recordAudit(
        db,
        { action, outcome: 'denied', groupId: memberships[0]?.groupId ?? here?.id ?? null, actorAadObjectId: caller.aadObjectId, actorMemberId: memberships[0]?.id, reason, trigger: triggerOf(context), conversationId: conversationKey(context.activity.conversation?.id ?? '') },
        now(),
      );
      throw new DomainError(reason);
    }
    return { teamId, teamGroups, visible: teamGroups.filter((g) => consented.has(g.id)), memberships, locale: localeOf(context) };
  }

  const isCaseManagerIn = (viewer: BoardViewer) => viewer.memberships.find((m) => m.isCaseManager && hasConsent(m));

  async function boardView(context: TurnContext, viewer: BoardViewer, options: { offset?: number; daily?: boolean; stats?: boolean; notice?: string } = {}): Promise<AdaptiveCardJson> {
    const timeZone = viewer.visible[0]?.timeZone ?? 'Europe/Stockholm';
    const [all, team] = await Promise.all([findBoardEntries(db, viewer.visible.map((g) => g.id)), findBoardTeam(db, viewer.teamId)]);
    const askAfter = team?.askAfterDays ?? DEFAULT_ASK_AFTER_DAYS;
    const sorted = all
      .map((entry) => ({ entry, days: daysOnBoard(entry.placedAt, now(), entry.group.timeZone) }))
      .sort((a, b) => b.days - a.days || a.entry.group.individualAlias.localeCompare(b.entry.group.individualAlias));
    const offset = Math.min(options.offset ?? 0, Math.max(0, sorted.length - 1));
    const page = sorted.slice(offset, offset + BOARD_PAGE_SIZE);
    const details = await findBoardDetails(db, page.map((p) => p.entry), todayIn(timeZone, now()));
    const entries: BoardCardEntry[] = page.map(({ entry, days }, i) => {
      const { agreementCount, agreements, todays, goalUpdates } = details[i]!;
      return {
        groupId: entry.groupId,
        alias: entry.group.individualAlias,
        days,
        reasonCode: entry.reasonCode,
        reasonText: entry.reasonText,
        interventions: entry.interventions,
        agreementCount,
        agreements: agreements.map((a) => ({ what: a.what, dueDate: a.dueDate, responsible: a.responsible.displayName })),
        todays: todays.map((a) => ({ what: a.what, responsible: a.responsible.displayName })),
        goalUpdates: goalUpdates.map((u) => ({ goal: u.goal.text, status: u.status, progress: u.progress, at: u.createdAt })),
        long: days >= askAfter,
      };
    });
    const caller = callerOf(context);
    // Each group whose entry is on this page is read; with nobody on the board, the team's board was looked at.
    const shownGroups = page.length > 0 ? page.map((p) => ({ groupId: p.entry.groupId, entityType: 'BoardEntry', entityId: p.entry.id })) : [{ groupId: viewer.visible[0]!.id, entityType: 'BoardTeam', entityId: viewer.teamId }];
    const memberOf = new Map(viewer.memberships.map((m) => [m.groupId, m.id]));
    await recordAudits(
      db,
      shownGroups.map((s) => ({ action: 'board.read', outcome: 'allowed' as const, groupId: s.groupId, actorMemberId: memberOf.get(s.groupId), actorAadObjectId: caller.aadObjectId, entityType: s.entityType, entityId: s.entityId, trigger: triggerOf(context), conversationId: conversationKey(context.activity.conversation?.id ?? '') })),
      now(),
    );
    let stats;
    if (options.stats) {
      const since = new Date(now().getTime() - (BOARD_STATS_WEEKS * 7 + 7) * DAY_MS);
      stats = boardStats(await findBoardStaysSince(db, viewer.teamGroups.map((g) => g.id), since), now(), timeZone);
    }
    let otherTeams: Array<{ teamId: string; name: string | null }> | undefined;
    if (conversationOf(context).conversationType === 'personal') {
      const teams = (await findConsentedFactTeamsOf(db, caller.aadObjectId)).filter((id) => id !== viewer.teamId).slice(0, 5);
      const names = await findTeamNames(db, teams);
      otherTeams = teams.map((teamId) => ({ teamId, name: names.get(teamId) ?? null }));
    }
    const onBoard = new Set(all.map((e) => e.groupId));
    const addable = viewer.visible.filter((g) => !onBoard.has(g.id)).slice(0, 10).map((g) => ({ groupId: g.id, alias: g.individualAlias }));
    return boardCard(viewer.locale, entries, {
      otherTeams,
      addable, teamId: viewer.teamId, now: now(), timeZone, offset, total: sorted.length, daily: options.daily, stats, notice: options.notice, canSettings: Boolean(isCaseManagerIn(viewer)) });
  }

  /** The group a card names (checked like any access) or the conversation's. */
  async function groupFrom(context: TurnContext, data: Record<string, unknown>): Promise<Group> {
    const groupId = formValue(data.groupId);
    const here = await groupOfTurn(db, context);
    if (!groupId) {
      if (!here) throw new DomainError('not_a_group');
      return here;
    }
    const group = here?.id === groupId ? here : await db.resourceGroup.findUnique({ where: { id: groupId } });
    if (!group) throw new DomainError('not_found');
    return group;
  }

  async function requireBoardGroup(context: TurnContext, data: Record<string, unknown>, action: string): Promise<GroupTurn> {
    const group = await groupFrom(context, data);
    requireFact(group);
    return requireAccessToGroup(db, context, group, 'consented', action);
  }

  /** After a change: the board of the group's team for the one who made it, or just the notice when the group has no team yet. */
  async function afterChange(context: TurnContext, turn: GroupTurn, notice: string): Promise<AdaptiveCardJson | string> {
    if (!turn.group.teamId) return notice;
    return boardView(context, await requireBoardViewer(context, { teamId: turn.group.teamId }, 'board.read'), { notice });
  }

  /** The case manager of a FACT group in a group chat (the only kind of group whose team is chosen, not given by Teams). */
  async function requireGroupChatCaseManager(context: TurnContext, data: Record<string, unknown>): Promise<GroupTurn> {
    const group = await groupFrom(context, data);
    requireFact(group);
    const turn = await requireAccessToGroup(db, context, group, 'caseManager', 'board.team');
    if (group.conversationType !== 'groupChat') throw new DomainError('invalid_input', {}, 'board.noTeam');
    return turn;
  }

  /** A case manager (with consent) of one of the team's FACT groups, for the team's board settings. */
  async function requireTeamCaseManager(context: TurnContext, teamId: string, action: string) {
    const viewer = await requireBoardViewer(context, { teamId }, action);
    const caseManager = isCaseManagerIn(viewer);
    if (!caseManager) {
      await recordAudit(db, { action, outcome: 'denied', groupId: viewer.visible[0]!.id, actorAadObjectId: callerOf(context).aadObjectId, reason: 'forbidden', trigger: triggerOf(context) }, now());
      throw new DomainError('forbidden', {}, 'board.hereForbidden');
    }
    const actor = { memberId: caseManager.id, aadObjectId: callerOf(context).aadObjectId, claimKey: claimKeyOfTurn(context), conversationId: conversationKey(context.activity.conversation?.id ?? '') };
    return { viewer, caseManager, actor };
  }

  /** The command; a refusal with a board-specific explanation (no FACT team here, not a case manager) is said politely. */
  async function command(context: TurnContext, args: string): Promise<void> {
    try {
      await runCommand(context, args);
    } catch (error) {
      if (!isDomainError(error) || !error.messageKey?.startsWith('board.') || !isMessageKey(error.messageKey)) throw error;
      await replyWithCard(context, polite(localeOf(context), error.messageKey));
    }
  }

  async function runCommand(context: TurnContext, args: string): Promise<void> {
    const locale = localeOf(context);
    const sub = boardSubCommand(args);
    const here = conversationOf(context);
    const personal = here.conversationType === 'personal';
    const group = await groupOfTurn(db, context);
    if (group && group.caseManagementModel !== FACT) return replyWithCard(context, polite(locale, 'board.notFact'));

    if (sub === 'add' || sub === 'remove') {
      if (!group) return replyWithCard(context, polite(locale, 'board.addHere'));
      const turn = await requireAccessToGroup(db, context, group, 'consented', sub === 'add' ? 'board.add' : 'board.remove');
      const shell = { data: { groupId: group.id }, userIds: [turn.caller.teamsUserId] };
      return postShell(context, turn.locale, sub === 'add' ? { ...shell, titleKey: 'shell.boardAdd.title', verb: 'boardAddForm' } : { ...shell, titleKey: 'shell.boardRemove.title', verb: 'boardRemoveForm' });
    }

    if (group && group.conversationType === 'groupChat' && (sub === 'team' || !group.teamId)) {
      if (sub !== 'team') return replyWithCard(context, polite(locale, 'board.noTeamYet'));
      const turn = await requireAccessToGroup(db, context, group, 'caseManager', 'board.team');
      return postShell(context, turn.locale, { titleKey: 'shell.boardTeam.title', verb: 'boardTeamForm', data: { groupId: group.id }, userIds: [turn.caller.teamsUserId] });
    }

    if (sub === 'here') {
      if (here.conversationType !== 'channel' || !here.teamId) return replyWithCard(context, polite(locale, 'board.hereOnlyChannel'));
      const { caseManager, actor } = await requireTeamCaseManager(context, here.teamId, 'board.channel');
      const teamName = (context.activity.channelData as { team?: { name?: unknown } } | undefined)?.team?.name;
      await setBoardChannel(db, { teamId: here.teamId, tenantId: here.tenantId, teamName: typeof teamName === 'string' ? teamName.slice(0, 120) : undefined }, here.conversationId, caseManager.groupId, actor, now());
      logger.info('board.channel', { groupId: caseManager.groupId });
      const team = await findBoardTeam(db, here.teamId);
      return replyWithCard(context, noticeCard({ title: translate(locale, 'board.title'), text: translate(locale, 'board.hereSet', { time: team?.dailyTime ?? '08:30' }), color: 'Good' }));
    }

    const viewer = await requireBoardViewer(context, {}, 'board.read');
    if (personal) return replyWithCard(context, await boardView(context, viewer, { stats: sub === 'stats' }));
    const count = await countOnBoard(db, viewer.teamGroups.map((g) => g.id));
    const shell = { titleKey: 'shell.board.title' as const, data: { teamId: viewer.teamId }, userIds: [callerOf(context).teamsUserId], note: translate(locale, 'shell.board.count', { count }) };
    await postShell(context, locale, sub === 'stats' ? { ...shell, verb: 'boardStats' } : { ...shell, verb: 'boardShow' });
  }

  return {
    name: 'board',
    commands: { board: command },
    actions: {
      boardShow: async (context, data) => boardView(context, await requireBoardViewer(context, data, 'board.read'), { offset: offsetOf(data.offset), daily: data.daily === true || data.daily === 'true' }),

      boardStats: async (context, data) => boardView(context, await requireBoardViewer(context, data, 'board.read'), { stats: true }),

      boardAddForm: async (context, data) => {
        const turn = await requireBoardGroup(context, data, 'board.add');
        if (await findCurrentBoardEntry(db, turn.group.id)) return translate(turn.locale, 'board.alreadyOn');
        return boardFormCard(turn.locale, { id: turn.group.id, alias: turn.group.individualAlias });
      },

      boardAdd: async (context, data) => {
        const turn = await requireBoardGroup(context, data, 'board.add');
        const validation = validateBoardEntryInput(data);
        if (!validation.ok) return boardFormCard(turn.locale, { id: turn.group.id, alias: turn.group.individualAlias }, data, validation.fieldErrors);
        const entry = await placeOnBoard(db, turn.group.id, validation.value, turn.actor, now());
        logger.info('board.add', { groupId: turn.group.id, entryId: entry.id, reasonCode: entry.reasonCode });
        return afterChange(context, turn, translate(turn.locale, 'board.added', { alias: turn.group.individualAlias }));
      },

      boardRemoveForm: async (context, data) => {
        const turn = await requireBoardGroup(context, data, 'board.remove');
        const entry = await findCurrentBoardEntry(db, turn.group.id);
        if (!entry) return translate(turn.locale, 'board.notOn');
        return boardRemoveFormCard(turn.locale, { id: turn.group.id, alias: turn.group.individualAlias }, { placedAt: entry.placedAt, days: daysOnBoard(entry.placedAt, now(), turn.group.timeZone) });
      },

      boardRemove: async (context, data) => {
        const turn = await requireBoardGroup(context, data, 'board.remove');
        const validation = validateBoardRemoval(data);
        if (!validation.ok) {
          const entry = await findCurrentBoardEntry(db, turn.group.id);
          if (!entry) return translate(turn.locale, 'board.notOn');
          return boardRemoveFormCard(turn.locale, { id: turn.group.id, alias: turn.group.individualAlias }, { placedAt: entry.placedAt, days: daysOnBoard(entry.placedAt, now(), turn.group.timeZone) }, data, validation.fieldErrors);
        }
        const outcome = await takeOffBoard(db, turn.group.id, validation.value.note, turn.actor, now());
        logger.info('board.remove', { groupId: turn.group.id, outcome });
        if (outcome === 'not_on_board') return translate(turn.locale, 'board.notOn');
        return afterChange(context, turn, translate(turn.locale, 'board.removed', { alias: turn.group.individualAlias }));
      },

      boardHistory: async (context, data) => {
        const turn = await requireBoardGroup(context, data, 'board.history.read');
        const history = await listBoardHistory(db, turn.group.id);
        await auditRead(db, turn, 'board.history.read', 'ResourceGroup', turn.group.id);
        return boardHistoryCard(turn.locale, turn.group.individualAlias, history, turn.group.timeZone);
      },

      boardTeamForm: async (context, data) => {
        const turn = await requireGroupChatCaseManager(context, data);
        const teams = await findConsentedFactTeamsOf(db, turn.caller.aadObjectId);
        const names = await findTeamNames(db, teams);
        return boardTeamFormCard(turn.locale, turn.group.id, teams.map((teamId) => ({ teamId, name: names.get(teamId) ?? null })), turn.group.teamId);
      },

      boardTeamSave: async (context, data) => {
        const turn = await requireGroupChatCaseManager(context, data);
        const teams = await findConsentedFactTeamsOf(db, turn.caller.aadObjectId);
        const teamId = formValue(data.teamId);
        // Only a team of the caller's own FACT groups, whatever the card says.
        if (!teams.includes(teamId)) {
          const names = await findTeamNames(db, teams);
          return boardTeamFormCard(turn.locale, turn.group.id, teams.map((id) => ({ teamId: id, name: names.get(id) ?? null })), turn.group.teamId, { teamId: 'board.team.required' });
        }
        await assignGroupToTeam(db, turn.group.id, teamId, turn.actor, now());
        logger.info('board.team', { groupId: turn.group.id });
        return afterChange(context, { ...turn, group: { ...turn.group, teamId } }, translate(turn.locale, 'board.team.saved'));
      },

      boardSettingsForm: async (context, data) => {
        const { viewer } = await requireTeamCaseManager(context, formValue(data.teamId) || ((await teamOf(context, data)) ?? ''), 'board.settings');
        const team = await findBoardTeam(db, viewer.teamId);
        return boardSettingsFormCard(viewer.locale, viewer.teamId, team ?? { dailyTime: '08:30', dailyEnabled: true, askAfterDays: DEFAULT_ASK_AFTER_DAYS, channelConversationId: null });
      },

      boardSettingsSave: async (context, data) => {
        const { viewer, caseManager, actor } = await requireTeamCaseManager(context, formValue(data.teamId) || ((await teamOf(context, data)) ?? ''), 'board.settings');
        const team = await findBoardTeam(db, viewer.teamId);
        const current = team ?? { dailyTime: '08:30', dailyEnabled: true, askAfterDays: DEFAULT_ASK_AFTER_DAYS, channelConversationId: null };
        const validation = validateBoardSettings(data);
        if (!validation.ok) return boardSettingsFormCard(viewer.locale, viewer.teamId, current, { values: data, fieldErrors: validation.fieldErrors });
        await saveBoardSettings(db, viewer.teamId, validation.value, caseManager.groupId, actor, now());
        logger.info('board.settings', { groupId: caseManager.groupId });
        return boardSettingsFormCard(viewer.locale, viewer.teamId, { ...current, ...validation.value }, { notice: translate(viewer.locale, 'board.settings.saved') });
      },
    },
  };
}
