/**
 * Many resource groups with crisis plans, for bench/crisis.ts: written straight into the database in
 * bulk (createMany in chunks), the rows the bot's own setup, member and crisis-plan flows would leave.
 * Each group is a channel of its own in one tenant, with a stored conversation reference (as the bot
 * keeps it once the channel spoke), a case manager, the individual, a few professionals and relatives,
 * all with consent, and a plan of one to four versions whose newest has all three phases, contacts and
 * the practical parts: a few hundred to a few thousand characters. Deterministic for a given count.
 */
import { randomUUID } from 'node:crypto';
import { emptyCrisisPlan, serializeCrisisPlanContent, type Contact, type CrisisPlanContent, type CrisisPlanSection } from '../src/domain/crisis-plan';
import type { Db } from '../src/storage/database';
import { BOT, TENANT_ID } from '../test/support/activities';

export interface SeededReader {
  teamsUserId: string;
  aadObjectId: string;
  name: string;
}

export interface SeededCrisisGroup {
  groupId: string;
  /** The channel's conversation id (a post's id adds ";messageid=…"). */
  conversationId: string;
  teamId: string;
  /** The first warning sign of the red phase: the plan view shows it, so an answer can be checked by it. */
  redSign: string;
  /** Members who may read the plan (case manager, individual, professionals, relatives given it). */
  readers: SeededReader[];
}

export interface SeedSummary {
  groups: number;
  members: number;
  versions: number;
  /** Characters of the newest version's stored JSON. */
  contentChars: { min: number; median: number; max: number };
}

const CHUNK = 500;
/** Professionals and case managers work in many groups: their Entra ids repeat across groups. */
const CASE_MANAGER_POOL = 400;
const PROFESSIONAL_POOL = 1500;
const GROUPS_PER_TEAM = 20;

const PROFESSIONAL_ROLES = [
  { role: 'nurse', principal: 'region', organisation: 'Psykiatrisk öppenvård' },
  { role: 'doctor', principal: 'region', organisation: 'Psykiatrisk öppenvård' },
  { role: 'psychologist', principal: 'region', organisation: 'Psykiatrisk öppenvård' },
  { role: 'housing_support', principal: 'kommun', organisation: 'Boendestöd' },
  { role: 'social_worker', principal: 'kommun', organisation: 'Socialtjänsten' },
  { role: 'employment_specialist', principal: 'kommun', organisation: 'IPS' },
  { role: 'occupational_therapist', principal: 'region', organisation: 'Rehab' },
] as const;

const FIRST_NAMES = ['Anna', 'Lars', 'Maria', 'Erik', 'Karin', 'Johan', 'Sara', 'Omar', 'Lina', 'Ali', 'Eva', 'Mats', 'Fatima', 'Nils', 'Sofia', 'Jonas'];
const LAST_NAMES = ['Lind', 'Berg', 'Said', 'Lundqvist', 'Nilsson', 'Holm', 'Ekström', 'Karlsson', 'Yilmaz', 'Andersson', 'Sandberg', 'Åkesson'];

const SIGNS = {
  green: ['Sover sju till åtta timmar', 'Går till jobbet och träffar kollegor', 'Lagar mat och handlar själv', 'Tränar två gånger i veckan', 'Svarar i telefon och hör av mig till vänner', 'Tar mina mediciner morgon och kväll'],
  yellow: ['Sover mindre än fem timmar flera nätter i rad', 'Slutar svara i telefon', 'Drar mig undan från vänner och familj', 'Blir lättirriterad och misstänksam', 'Slutar äta regelbundet', 'Tänker mycket på att allt är meningslöst'],
  red: [
    'Hör röster som säger åt mig att skada mig',
    'Har inte sovit på flera dygn',
    'Pratar om att inte vilja leva',
    'Lämnar inte lägenheten och öppnar inte för någon',
    'Har slutat ta mina mediciner helt',
    'Blir förvirrad och känner inte igen platser',
  ],
};
const SELF_HELP = ['Ringer min kontaktperson', 'Tar en promenad i lugnt tempo', 'Lyssnar på musik i hörlurar', 'Tar vid behovs-medicinen enligt ordination', 'Skriver ner vad jag känner', 'Åker till min syster', 'Duschar och äter något varmt'];
const OTHERS_DO = ['Stanna hos mig och ring psykiatriska akuten', 'Prata lugnt och ställ en fråga i taget', 'Hjälp mig att ta medicinen', 'Ring 112 om jag har skadat mig', 'Ta hand om katten', 'Följ med mig till akuten', 'Påminn mig om att äta och dricka'];
const HELPS = ['Lugn miljö utan många människor', 'Att någon jag känner följer med', 'Korta och tydliga besked', 'Att få vara ute i naturen'];
const AVOID = ['Höga röster och många frågor samtidigt', 'Att bli lämnad ensam i väntrummet', 'Alkohol'];
const TRIGGERS = ['Konflikter med hyresvärden', 'Brev från myndigheter', 'Årsdagen av mammas död i november', 'Sömnbrist'];

/** A small deterministic random source (mulberry32), so every run seeds the same plans. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0) chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return chosen;
}

const between = (random: () => number, low: number, high: number) => low + Math.floor(random() * (high - low + 1));
const personName = (random: () => number) => `${pick(random, FIRST_NAMES, 1)[0]} ${pick(random, LAST_NAMES, 1)[0]}`;
const mobile = (random: () => number) => `070-${between(random, 100, 999)} ${between(random, 10, 99)} ${between(random, 10, 99)}`;
const aadId = (kind: number, n: number) => `00000000-0000-4000-${String(8000 + kind)}-${String(n).padStart(12, '0')}`;

/** The newest version's content of group `index`: all three phases, contacts, what helps, practical matters, wishes. */
function planContent(random: () => number): CrisisPlanContent {
  const content = emptyCrisisPlan({ psychiatricEmergency: 'Psykiatrisk akutmottagning', emergency: '112 – vid fara för liv', healthGuide: '1177 Vårdguiden' });
  content.outOfHours[0]!.phone = '08-123 456 00';
  content.outOfHours[0]!.hours = 'Dygnet runt';
  for (const phase of ['green', 'yellow', 'red'] as const) {
    content.phases[phase] = {
      signs: pick(random, SIGNS[phase], between(random, 2, phase === 'red' ? 5 : 4)),
      selfHelp: pick(random, SELF_HELP, between(random, 1, 4)),
      othersDo: phase === 'green' ? [] : pick(random, OTHERS_DO, between(random, 1, 4)),
    };
  }
  content.whatHelps = pick(random, HELPS, between(random, 0, 3));
  content.avoid = pick(random, AVOID, between(random, 0, 2));
  content.triggers = pick(random, TRIGGERS, between(random, 0, 3));
  const relations = ['syster', 'bror', 'mamma', 'pappa', 'vän', 'granne'];
  content.contacts = Array.from({ length: between(random, 1, 4) }, (): Contact => ({
    name: personName(random),
    relation: pick(random, relations, 1)[0]!,
    phone: mobile(random),
    whenToCall: random() < 0.5 ? 'Kvällar och helger' : 'När jag slutar svara i telefon',
  }));
  content.professionalContacts = Array.from({ length: between(random, 1, 3) }, (_, i): Contact => ({
    name: `${personName(random)} (${['case manager', 'sjuksköterska', 'boendestöd'][i % 3]})`,
    phone: `08-${between(random, 100, 999)} ${between(random, 100, 999)} ${between(random, 10, 99)}`,
    hours: 'Vardagar 8–16',
  }));
  if (random() < 0.6) content.practical.children = 'Barnen bor hos sin pappa varannan vecka; ring honom först.';
  if (random() < 0.5) content.practical.pets = 'Katten Misse behöver mat morgon och kväll. Grannen har nyckel.';
  content.practical.keys = 'Reservnyckel hos syster och hos boendestödet.';
  if (random() < 0.7) content.practical.medication = 'Olanzapin 10 mg till natten. Vid behov: Theralen 10 mg, högst tre gånger per dygn.';
  if (random() < 0.4) content.wishes.whereCared = 'Helst avdelning 4 där jag känner personalen.';
  if (random() < 0.4) content.wishes.whoToTell = 'Min syster, inte min pappa.';
  return content;
}

/** An earlier version: the newest with the red phase as it was before its last change. */
function earlierContent(content: CrisisPlanContent, stepsBack: number): CrisisPlanContent {
  const earlier: CrisisPlanContent = JSON.parse(JSON.stringify(content)) as CrisisPlanContent;
  earlier.phases.red.othersDo = earlier.phases.red.othersDo.slice(0, Math.max(0, earlier.phases.red.othersDo.length - stepsBack));
  earlier.contacts = earlier.contacts.slice(0, Math.max(1, earlier.contacts.length - stepsBack));
  return earlier;
}

const VERSION_SECTIONS: CrisisPlanSection[] = ['red', 'contacts', 'professional', 'helps'];

/**
 * Seeds `count` channel groups with members and crisis plans, and stores each channel's conversation
 * reference to `serviceUrl` last (after everything else, so that a bot already running finds no group
 * to reconcile against a roster before the benchmark starts).
 *
 * @example
 *   const { groups, summary } = await seedCrisisPlanGroups(db, { count: 10_000, serviceUrl: connector.url });
 */
export async function seedCrisisPlanGroups(db: Db, options: { count: number; serviceUrl: string }): Promise<{ groups: SeededCrisisGroup[]; summary: SeedSummary }> {
  const now = Date.now();
  const day = 24 * 60 * 60 * 1000;
  const groups: SeededCrisisGroup[] = [];
  const contentChars: number[] = [];
  let members = 0;
  let versions = 0;
  for (let start = 0; start < options.count; start += CHUNK) {
    const groupRows = [];
    const memberRows = [];
    const planRows = [];
    const versionRows = [];
    for (let index = start; index < Math.min(options.count, start + CHUNK); index++) {
      const random = randomSource(index + 1);
      const groupId = randomUUID();
      const conversationId = `19:crisis-bench-${String(index).padStart(6, '0')}@thread.tacv2`;
      const teamId = `19:team-bench-${String(Math.floor(index / GROUPS_PER_TEAM)).padStart(5, '0')}@thread.tacv2`;
      const createdAt = new Date(now - between(random, 60, 900) * day);
      const consentAt = new Date(createdAt.getTime() + day);
      groupRows.push({
        id: groupId,
        conversationId,
        conversationType: 'channel',
        tenantId: TENANT_ID,
        teamId,
        channelId: conversationId,
        individualAlias: `${String.fromCharCode(65 + (index % 26))}.${String.fromCharCode(65 + (Math.floor(index / 26) % 26))}.`,
        caseManagementModel: pick(random, ['FACT', 'IP', 'ACT', 'STRENGTHS'], 1)[0]!,
        locale: 'sv',
        createdAt,
      });
      const groupMembers: Array<{ id: string; aadObjectId: string; teamsUserId: string; displayName: string; role: string; principal: string; organisation?: string; isIndividual?: boolean; isCaseManager?: boolean; crisisPlanAccess?: boolean | null }> = [];
      const caseManager = index % CASE_MANAGER_POOL;
      groupMembers.push({ id: randomUUID(), aadObjectId: aadId(1, caseManager), teamsUserId: `29:case-manager-${caseManager}`, displayName: `Case Manager ${caseManager}`, role: 'case_manager', principal: 'region', organisation: 'Psykiatrisk öppenvård', isCaseManager: true });
      groupMembers.push({ id: randomUUID(), aadObjectId: aadId(2, index), teamsUserId: `29:individual-${index}`, displayName: personName(random), role: 'individual', principal: 'private', isIndividual: true });
      const professionals = new Set<number>();
      for (const kind of pick(random, PROFESSIONAL_ROLES, between(random, 2, 4))) {
        let n = between(random, 0, PROFESSIONAL_POOL - 1);
        while (professionals.has(n)) n = (n + 1) % PROFESSIONAL_POOL;
        professionals.add(n);
        groupMembers.push({ id: randomUUID(), aadObjectId: aadId(3, n), teamsUserId: `29:professional-${n}`, displayName: personName(random), ...kind });
      }
      const relatives = between(random, 0, 2);
      for (let r = 0; r < relatives; r++) {
        // A relative reads the plan only when the individual chose so (about half of them here).
        const given = random() < 0.5;
        groupMembers.push({ id: randomUUID(), aadObjectId: aadId(4, index * 4 + r), teamsUserId: `29:relative-${index}-${r}`, displayName: personName(random), role: 'relative', principal: 'private', crisisPlanAccess: given ? true : null });
      }
      for (const member of groupMembers) {
        memberRows.push({ ...member, groupId, consentRecordedAt: consentAt, consentRecordedBy: groupMembers[0]!.id, createdAt });
      }
      members += groupMembers.length;

      const content = planContent(random);
      const count = between(random, 1, 4);
      const planId = randomUUID();
      const reviewed = random() < 0.5;
      planRows.push({
        id: planId,
        groupId,
        currentVersion: count,
        reviewedAt: reviewed ? new Date(now - between(random, 1, 150) * day) : null,
        reviewedByMemberId: reviewed ? groupMembers[0]!.id : null,
        createdAt: consentAt,
      });
      for (let version = 1; version <= count; version++) {
        const stored = serializeCrisisPlanContent(version === count ? content : earlierContent(content, count - version));
        if (version === count) contentChars.push(stored.length);
        versionRows.push({
          id: randomUUID(),
          crisisPlanId: planId,
          version,
          content: stored,
          section: version === 1 ? null : VERSION_SECTIONS[(version - 2) % VERSION_SECTIONS.length]!,
          authorMemberId: groupMembers[version === count ? 0 : Math.min(version, groupMembers.length - 1)]!.id,
          createdAt: new Date(consentAt.getTime() + version * 7 * day),
        });
      }
      versions += count;
      groups.push({
        groupId,
        conversationId,
        teamId,
        redSign: content.phases.red.signs[0]!,
        readers: groupMembers
          .filter((m) => m.role !== 'relative' || m.crisisPlanAccess === true)
          .map((m) => ({ teamsUserId: m.teamsUserId, aadObjectId: m.aadObjectId, name: m.displayName })),
      });
    }
    await db.resourceGroup.createMany({ data: groupRows });
    for (let i = 0; i < memberRows.length; i += CHUNK) await db.member.createMany({ data: memberRows.slice(i, i + CHUNK) });
    await db.crisisPlan.createMany({ data: planRows });
    for (let i = 0; i < versionRows.length; i += CHUNK) await db.crisisPlanVersion.createMany({ data: versionRows.slice(i, i + CHUNK) });
  }
  for (let i = 0; i < groups.length; i += CHUNK) {
    await db.conversationReference.createMany({
      data: groups.slice(i, i + CHUNK).map((g) => ({
        conversationId: g.conversationId,
        serviceUrl: options.serviceUrl,
        tenantId: TENANT_ID,
        reference: JSON.stringify({
          bot: BOT,
          conversation: { id: g.conversationId, conversationType: 'channel', tenantId: TENANT_ID, isGroup: true },
          channelId: 'msteams',
          locale: 'sv-SE',
          serviceUrl: options.serviceUrl,
        }),
      })),
    });
  }
  const sorted = [...contentChars].sort((a, b) => a - b);
  return {
    groups,
    summary: { groups: groups.length, members, versions, contentChars: { min: sorted[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0, max: sorted.at(-1) ?? 0 } },
  };
}
