/**
 * The scale of `npm run bench` (bench/scale.ts), written straight into the database in bulk (createMany
 * in chunks): the rows the bot's own flows would leave. At scale 1: 1,000 resource groups, each a channel
 * of its own with a stored conversation reference, 6 members each (6,000: a case manager, the individual,
 * three professionals, a relative; all with consent), 10 goals each (10,000) and 100 agreements each
 * (100,000: open and done, due from two months ago to two months ahead), and a crisis plan in each group.
 * Ten case managers coordinate 100 groups each: they are the benchmark's senders, so `mina` reads a
 * member of 100 groups. `scale` multiplies the groups (and so everything else). Deterministic.
 *
 * Rows as an import leaves them: no reminder is planned (every agreement's `remindersPlan` is 0), so
 * the bot's planning sweep finds them all when it starts, as after a restore or an upgrade that adds a
 * reminder kind. `allDay`: the groups' working time is all day, every day, so what is due is sent
 * whenever the benchmark runs (with the default, 08–17 on weekdays, nothing is sent at night).
 */
import { randomUUID } from 'node:crypto';
import { emptyCrisisPlan, serializeCrisisPlanContent } from '../src/domain/crisis-plan';
import type { Prisma } from '../src/generated/sqlite/client';
import type { Db } from '../src/storage/database';
import { BOT, TENANT_ID } from '../test/support/activities';

export interface ScaleSender {
  teamsUserId: string;
  aadObjectId: string;
  name: string;
  /** The groups this case manager coordinates. */
  groups: ScaleGroup[];
}

export interface ScaleGroup {
  groupId: string;
  conversationId: string;
  teamId: string;
  alias: string;
  /** Open agreements of the group (version 1), for views and changes. */
  agreementIds: string[];
  /** The case manager's membership in the group (the responsible one of agreements the benchmark makes). */
  caseManagerMemberId: string;
}

export interface ScaleSummary {
  groups: number;
  members: number;
  goals: number;
  agreements: number;
  seconds: number;
}

const CHUNK = 1_000;
const MEMBERS_PER_GROUP = 6;
const GOALS_PER_GROUP = 10;
const AGREEMENTS_PER_GROUP = 100;
const CASE_MANAGERS = 10;
const PROFESSIONAL_POOL = 1_500;
const GROUPS_PER_TEAM = 50;
const DAY_MS = 86_400_000;
const LIFE_AREAS = ['housing', 'health', 'work', 'relationships', 'leisure', 'finances'];
/** Working time all day, every day: reminders fall due whenever a benchmark runs (`allDay`). */
const ALL_DAY = { workDays: '1,2,3,4,5,6,7', workdayStartMinute: 0, workdayEndMinute: 1440, observeHolidays: false };
const AGREEMENT_TEXTS = ['Ringa hyresvärden om kontraktet', 'Boka tid hos tandläkaren', 'Följa med till Försäkringskassan', 'Ansöka om bostadstillägg', 'Ordna med bankärenden'];

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/**
 * @example
 *   const { senders, summary } = await seedScale(db, { scale: 1, serviceUrl: connector.url });
 */
export async function seedScale(db: Db, options: { scale: number; serviceUrl: string; allDay?: boolean }): Promise<{ senders: ScaleSender[]; summary: ScaleSummary }> {
  const started = performance.now();
  const now = new Date();
  const count = 1_000 * options.scale;
  const senders: ScaleSender[] = Array.from({ length: CASE_MANAGERS }, (_, k) => ({
    teamsUserId: `29:scale-case-manager-${k}`,
    aadObjectId: `00000000-0000-4000-9000-${String(k).padStart(12, '0')}`,
    name: `Case Manager ${k}`,
    groups: [],
  }));
  const groupRows = [];
  const memberRows = [];
  const referenceRows = [];
  const goalRows: Prisma.GoalCreateManyInput[] = [];
  const agreementRows = [];
  const planRows = [];
  const versionRows = [];
  const content = serializeCrisisPlanContent(emptyCrisisPlan({ psychiatricEmergency: 'Psykiatrisk akutmottagning', emergency: '112', healthGuide: '1177' }));
  for (let i = 0; i < count; i++) {
    const groupId = randomUUID();
    const conversationId = `19:scale-${String(i).padStart(6, '0')}@thread.tacv2`;
    const teamId = `19:scale-team-${Math.floor(i / GROUPS_PER_TEAM)}@thread.tacv2`;
    const alias = `S.${String.fromCharCode(65 + (i % 26))}${i}.`;
    const sender = senders[i % CASE_MANAGERS]!;
    groupRows.push({ id: groupId, conversationId, conversationType: 'channel', tenantId: TENANT_ID, teamId, channelId: conversationId, individualAlias: alias, caseManagementModel: i % 3 === 0 ? 'FACT' : 'IP', locale: 'sv', createdAt: now, ...(options.allDay ? ALL_DAY : {}) });
    const members = [
      { teamsUserId: sender.teamsUserId, aadObjectId: sender.aadObjectId, displayName: sender.name, role: 'case_manager', principal: 'region', isCaseManager: true },
      { teamsUserId: `29:scale-individual-${i}`, aadObjectId: randomUUID(), displayName: `Individ ${i}`, role: 'individual', principal: 'other', isIndividual: true },
      ...[0, 1, 2].map((p) => {
        const n = (i * 3 + p) % PROFESSIONAL_POOL;
        return { teamsUserId: `29:scale-professional-${n}`, aadObjectId: `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`, displayName: `Professional ${n}`, role: p === 0 ? 'nurse' : p === 1 ? 'housing_support' : 'social_worker', principal: p === 0 ? 'region' : 'kommun' };
      }),
      { teamsUserId: `29:scale-relative-${i}`, aadObjectId: randomUUID(), displayName: `Anhörig ${i}`, role: 'relative', principal: 'other' },
    ].map((m) => ({ id: randomUUID(), groupId, consentRecordedAt: now, ...m }));
    memberRows.push(...members);
    referenceRows.push({
      conversationId,
      serviceUrl: options.serviceUrl,
      tenantId: TENANT_ID,
      reference: JSON.stringify({ bot: BOT, conversation: { id: conversationId, conversationType: 'channel', tenantId: TENANT_ID, isGroup: true }, channelId: 'msteams', serviceUrl: options.serviceUrl }),
    });
    const goalIds = Array.from({ length: GOALS_PER_GROUP }, () => randomUUID());
    goalIds.forEach((id, g) =>
      goalRows.push({ id, groupId, lifeArea: LIFE_AREAS[g % LIFE_AREAS.length]!, text: `Mål ${g + 1}: ett eget boende med stöd`, status: g % 4 === 0 ? 'achieved' : 'in_progress', progress: (g * 3) % 11, responsibleMemberId: members[g % MEMBERS_PER_GROUP]!.id, createdByMemberId: members[0]!.id, createdAt: now }),
    );
    const open: string[] = [];
    for (let a = 0; a < AGREEMENTS_PER_GROUP; a++) {
      const id = randomUUID();
      const status = a % 5 < 3 ? (a % 2 === 0 ? 'accepted' : 'proposed') : 'done';
      if (status !== 'done') open.push(id);
      const dueDate = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + ((a * 7) % 120 - 60) * DAY_MS);
      agreementRows.push({ id, groupId, responsibleMemberId: members[a % MEMBERS_PER_GROUP]!.id, what: `${AGREEMENT_TEXTS[a % AGREEMENT_TEXTS.length]} (${a + 1})`, dueDate, goalId: goalIds[a % GOALS_PER_GROUP]!, status, createdByMemberId: members[0]!.id, createdAt: now });
    }
    const planId = randomUUID();
    planRows.push({ id: planId, groupId, currentVersion: 1, createdAt: now });
    versionRows.push({ crisisPlanId: planId, version: 1, content, authorMemberId: members[0]!.id, createdAt: now });
    sender.groups.push({ groupId, conversationId, teamId, alias, agreementIds: open, caseManagerMemberId: members[0]!.id });
  }
  await insertChunked(groupRows, (data) => db.resourceGroup.createMany({ data }));
  await insertChunked(memberRows, (data) => db.member.createMany({ data }));
  await insertChunked(goalRows, (data) => db.goal.createMany({ data }));
  await insertChunked(agreementRows, (data) => db.agreement.createMany({ data }));
  await insertChunked(planRows, (data) => db.crisisPlan.createMany({ data }));
  await insertChunked(versionRows, (data) => db.crisisPlanVersion.createMany({ data }));
  // Last: a conversation the bot knows is one it may be asked about.
  await insertChunked(referenceRows, (data) => db.conversationReference.createMany({ data }));
  return {
    senders,
    summary: { groups: count, members: memberRows.length, goals: goalRows.length, agreements: agreementRows.length, seconds: (performance.now() - started) / 1000 },
  };
}
