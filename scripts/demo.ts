/**
 * `npm run demo`: loads a clearly fictional resource group into the configured database, bound to the
 * Agents Playground's resource-group channel, so a newcomer sees a living plan at once.
 * `npm run demo -- --reset` removes the demo group first. Never run against production data.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../src/config';
import type { CrisisPlanContent } from '../src/domain/crisis-plan';
import type { MemberRole, Principal } from '../src/domain/members';
import { formatRecurrence, nextOccurrence } from '../src/domain/recurrence';
import { recordAudit } from '../src/storage/audit';
import { openDatabase, type Db } from '../src/storage/database';

interface PlaygroundUser {
  id: string;
  name: string;
  aadObjectId: string;
}

interface PlaygroundConfig {
  currentUser: PlaygroundUser;
  users: PlaygroundUser[];
  tenantId: string;
  team: { id: string; channels: Array<{ id: string; name: string }> };
}

export const DEMO_ALIAS = 'K.L. (demo)';

/** The Playground's mock team, channel and people (`.m365agentsplayground.yml`). */
export function readPlaygroundConfig(file = path.resolve(__dirname, '..', '.m365agentsplayground.yml')): PlaygroundConfig {
  return parse(readFileSync(file, 'utf8')) as PlaygroundConfig;
}

const ROLE_BY_NAME_HINT: Array<[RegExp, MemberRole, Principal]> = [
  [/samordnare/i, 'case_manager', 'region'],
  [/sjuksköterska/i, 'nurse', 'region'],
  [/boendestödjare/i, 'housing_support', 'kommun'],
  [/närstående/i, 'relative', 'private'],
  [/socialsekreterare/i, 'social_worker', 'kommun'],
  [/psykiater|läkare/i, 'doctor', 'region'],
];

function roleOf(name: string): { role: MemberRole; principal: Principal } {
  const match = ROLE_BY_NAME_HINT.find(([hint]) => hint.test(name));
  return match ? { role: match[1], principal: match[2] } : { role: 'other', principal: 'other' };
}

const daysFrom = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000);

/**
 * Creates the demo group with members, goals, sub-goals, goal updates, agreements, a follow-up and a
 * crisis plan. Returns the group id, or undefined when the demo group already exists (and reset is false).
 *
 * @example
 *   await loadDemoGroup(db, readPlaygroundConfig(), { reset: true, now: new Date() });
 */
export async function loadDemoGroup(db: Db, playground: PlaygroundConfig, options: { reset: boolean; now: Date }): Promise<string | undefined> {
  const channel = playground.team.channels[0];
  if (!channel) throw new Error('.m365agentsplayground.yml has no channel for the demo group');
  const existing = await db.resourceGroup.findUnique({ where: { conversationId: channel.id } });
  if (existing && !options.reset) return undefined;
  const { now } = options;

  return db.$transaction(async (tx) => {
    // Agreements first: a member with agreements may not be deleted (Restrict), and SQLite applies the
    // group's cascades in table order, which a table redefinition in a migration changes.
    if (existing) await tx.agreement.deleteMany({ where: { groupId: existing.id } });
    if (existing) await tx.resourceGroup.delete({ where: { id: existing.id } });
    const group = await tx.resourceGroup.create({
      data: {
        conversationId: channel.id,
        conversationType: 'channel',
        tenantId: playground.tenantId,
        teamId: playground.team.id,
        channelId: channel.id,
        individualAlias: DEMO_ALIAS,
        caseManagementModel: 'IP',
        locale: 'sv',
        timeZone: 'Europe/Stockholm',
      },
    });
    const people = [playground.currentUser, ...playground.users];
    const members: Record<string, string> = {};
    for (const person of people) {
      const { role, principal } = roleOf(person.name);
      const member = await tx.member.create({
        data: {
          groupId: group.id,
          teamsUserId: person.id,
          aadObjectId: person.aadObjectId,
          displayName: person.name,
          role,
          principal,
          isCaseManager: role === 'case_manager',
          consentRecordedAt: daysFrom(now, -30),
        },
      });
      members[role] = member.id;
    }
    const individual = await tx.member.create({
      data: { groupId: group.id, displayName: 'K.L. (individen)', role: 'individual', principal: 'private', isIndividual: true, consentRecordedAt: daysFrom(now, -30) },
    });

    const housing = await tx.goal.create({
      data: {
        groupId: group.id,
        lifeArea: 'housing',
        text: 'Jag vill ha en egen lägenhet innan sommaren.',
        status: 'in_progress',
        progress: 4,
        responsibleMemberId: members.housing_support,
        targetDate: daysFrom(now, 180),
        individualAgreedAt: daysFrom(now, -28),
        createdByMemberId: members.case_manager,
        subGoals: {
          create: [
            { text: 'Skicka bostadsansökan till kommunen.', status: 'in_progress', responsibleMemberId: members.housing_support, targetDate: daysFrom(now, 8) },
            { text: 'Öva på att betala räkningar själv.', status: 'not_started', responsibleMemberId: individual.id, targetDate: daysFrom(now, 40) },
          ],
        },
        updates: {
          create: [
            { authorMemberId: members.case_manager, status: 'not_started', comment: 'Målet formulerat på resursgruppsmötet.', createdAt: daysFrom(now, -28) },
            { authorMemberId: members.housing_support, previousStatus: 'not_started', status: 'in_progress', progress: 2, createdAt: daysFrom(now, -14) },
            { authorMemberId: individual.id, status: 'in_progress', progress: 4, comment: 'Har tittat på två lägenheter.', createdAt: daysFrom(now, -3) },
          ],
        },
      },
    });
    await tx.goal.create({
      data: {
        groupId: group.id,
        lifeArea: 'work',
        text: 'Jag vill prova praktik två dagar i veckan.',
        status: 'not_started',
        responsibleMemberId: members.social_worker,
        targetDate: daysFrom(now, 120),
        individualAgreedAt: daysFrom(now, -28),
        createdByMemberId: members.case_manager,
      },
    });
    await tx.goal.create({
      data: {
        groupId: group.id,
        lifeArea: 'health',
        text: 'Sova bättre och orka mer på dagarna.',
        status: 'in_progress',
        progress: 6,
        responsibleMemberId: members.nurse,
        individualAgreedAt: daysFrom(now, -28),
        createdByMemberId: members.case_manager,
        updates: { create: [{ authorMemberId: members.nurse, status: 'in_progress', progress: 6, createdAt: daysFrom(now, -7) }] },
      },
    });

    const agreements = [
      { responsible: members.housing_support!, what: 'Hjälpa K.L. med bostadsansökan.', due: 8, goalId: housing.id, status: 'accepted' },
      { responsible: individual.id, what: 'Ringa Försäkringskassan om aktivitetsersättning.', due: 4, goalId: null, status: 'proposed' },
      { responsible: members.case_manager!, what: 'Boka nästa resursgruppsmöte.', due: 14, goalId: null, status: 'done' },
    ];
    for (const agreement of agreements) {
      const created = await tx.agreement.create({
        data: {
          groupId: group.id,
          responsibleMemberId: agreement.responsible,
          what: agreement.what,
          dueDate: daysFrom(now, agreement.due),
          goalId: agreement.goalId,
          status: agreement.status,
          createdByMemberId: members.case_manager,
          events: { create: [{ kind: 'created', actorMemberId: members.case_manager, createdAt: daysFrom(now, -2) }] },
        },
      });
      if (agreement.status !== 'proposed') {
        await tx.agreementEvent.create({ data: { agreementId: created.id, kind: agreement.status, actorMemberId: agreement.responsible } });
      }
    }
    // The resource group meets on the first Tuesday of every month at 09:00; reminders are planned from it.
    // A resource-group meeting on the first Tuesday of every month at 09:00, from the next one on.
    const meeting = { startDay: '2026-01-06', time: '09:00', timeZone: group.timeZone, recurrence: { kind: 'monthly', nth: 1, weekday: 2 } } as const;
    const next = nextOccurrence(meeting, now)!;
    await tx.followUp.create({
      data: { groupId: group.id, kind: 'group_meeting', startDay: next.day, time: meeting.time, timeZone: meeting.timeZone, recurrence: formatRecurrence(meeting.recurrence), nextAt: next.at, nextDay: next.day, unplannedAt: next.at, unplannedDay: next.day, createdByMemberId: members.case_manager },
    });

    // The shape of src/domain/crisis-plan.ts (CrisisPlanContent); every name and number is fictional.
    const crisisPlan: CrisisPlanContent = {
      phases: {
        green: { signs: ['Sover gott, går på promenader.'], selfHelp: ['Promenad med hunden varje dag.'], othersDo: [] },
        yellow: { signs: ['Sover dåligt flera nätter i rad.', 'Drar sig undan vänner.'], selfHelp: ['Ringa Lars.', 'Gå en promenad med hunden.'], othersDo: ['Fråga hur K.L. sover.'] },
        red: { signs: ['Slutar äta.', 'Hör röster som säger åt K.L. att skada sig.'], selfHelp: ['Ringa psykiatrins mottagning.'], othersDo: ['Stanna hos K.L. och ring akutmottagningen.'] },
      },
      whatHelps: ['Lugnt tonläge.', 'Hembesök av någon K.L. känner.'],
      avoid: ['Många nya personer på en gång.'],
      triggers: ['Brev från myndigheter.'],
      contacts: [{ name: 'Lars (fiktiv)', relation: 'närstående', phone: '070-000 00 00', whenToCall: 'dygnet runt' }],
      professionalContacts: [{ name: 'Psykiatrins mottagning (fiktiv)', phone: '010-000 00 00', hours: 'vardagar 8–16' }],
      outOfHours: [
        { name: 'Psykiatrisk akutmottagning (fiktiv)', phone: '010-000 00 01' },
        { name: '112 – vid fara för liv', phone: '112' },
        { name: '1177 Vårdguiden', phone: '1177' },
      ],
      practical: { children: '', pets: 'Hunden Saga: Lars tar hand om henne.', keys: 'Lars har en extranyckel.', medication: '', other: '' },
      wishes: { whereCared: 'Vill helst inte läggas in på avdelning 3.', whoToTell: 'Lars.', other: '' },
    };
    await tx.crisisPlan.create({
      data: {
        groupId: group.id,
        currentVersion: 1,
        versions: { create: [{ version: 1, content: JSON.stringify(crisisPlan), authorMemberId: members.case_manager }] },
      },
    });
    await recordAudit(tx, { action: 'demo.load', outcome: 'allowed', groupId: group.id, entityType: 'ResourceGroup', entityId: group.id });
    return group.id;
  });
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const database = await openDatabase(config.databaseUrl);
  try {
    const reset = process.argv.includes('--reset');
    const groupId = await loadDemoGroup(database.db, readPlaygroundConfig(), { reset, now: new Date() });
    if (groupId) {
      process.stdout.write(`Loaded the fictional demo resource group "${DEMO_ALIAS}" (${groupId}) into ${database.provider}.\n`);
      process.stdout.write('Start the bot (npm start) and the Playground (npm run playground -- --locale sv-SE), open the channel "Resursgrupp – K.L." and @mention the bot with "hjälp".\n');
    } else {
      process.stdout.write(`The demo group already exists; run "npm run demo -- --reset" to load it afresh.\n`);
    }
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `Loading the demo failed: ${(error as Error)?.message}\n`);
    process.exit(1);
  });
}
