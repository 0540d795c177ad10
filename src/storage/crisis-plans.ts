/**
 * Persistence of crisis plans. A plan's content lives in immutable versions; every saved section makes a
 * new version, guarded by the plan's currentVersion, so a double click or two members saving at once
 * make one version and the other is told the card is stale. Reads never load more content than the view
 * shows: the version list carries no content.
 */
import { isReadableCrisisPlanContent, parseCrisisPlanContent, sameContent, serializeCrisisPlanContent, withSection, type CrisisPlanContent, type CrisisPlanSection, type FieldValue } from '../domain/crisis-plan';
import { DomainError } from '../domain/errors';
import { recordChange } from './audit';
import { isUniqueViolation, type Db } from './database';
import { clampOffset } from './goals';
import { consentedMemberWhere, type Actor } from './members';
import { dateOrNull, sqlOf } from './sql';

/** Names of members by id (authors and reviewers), without loading anything else of them. */
async function memberNames(db: Db, ids: ReadonlyArray<string | null | undefined>): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  if (wanted.length === 0) return new Map();
  const members = await db.member.findMany({ where: { id: { in: wanted } }, select: { id: true, displayName: true } });
  return new Map(members.map((m) => [m.id, m.displayName]));
}

/**
 * The group's crisis plan with its newest version's content, author and time, or null when nothing has
 * been written yet.
 *
 * @example
 *   const plan = await findCrisisPlan(db, group.id);
 *   plan?.content.phases.red.signs
 */
export async function findCrisisPlan(db: Db, groupId: string) {
  // Opened in seconds by whoever takes the worried call: one plain-SQL statement (sql.ts) for the plan,
  // its newest version and the two names, rather than three through Prisma.
  const [row] = await sqlOf(db).all<{
    id: string;
    groupId: string;
    currentVersion: number;
    reviewedAt: unknown;
    reviewedBy: string | null;
    reviewIntervalMonths: number;
    changedAt: unknown;
    changedBy: string | null;
    content: string | null;
    versionId: string | null;
  }>(
    'SELECT p."id", p."groupId", p."currentVersion", p."reviewedAt", r."displayName" AS "reviewedBy", p."reviewIntervalMonths", ' +
      'v."createdAt" AS "changedAt", a."displayName" AS "changedBy", v."content", v."id" AS "versionId" ' +
      'FROM "CrisisPlan" p ' +
      'LEFT JOIN "CrisisPlanVersion" v ON v."crisisPlanId" = p."id" AND v."version" = (SELECT MAX("version") FROM "CrisisPlanVersion" WHERE "crisisPlanId" = p."id") ' +
      'LEFT JOIN "Member" r ON r."id" = p."reviewedByMemberId" ' +
      'LEFT JOIN "Member" a ON a."id" = v."authorMemberId" ' +
      'WHERE p."groupId" = ?',
    [groupId],
  );
  if (!row) return null;
  return {
    id: row.id,
    groupId: row.groupId,
    currentVersion: row.currentVersion,
    reviewedAt: dateOrNull(row.reviewedAt),
    reviewedBy: row.reviewedBy,
    reviewIntervalMonths: row.reviewIntervalMonths,
    changedAt: dateOrNull(row.changedAt) ?? undefined,
    changedBy: row.changedBy,
    content: parseCrisisPlanContent(row.content ?? undefined),
    /** The newest version's id when its content cannot be read (it shows as empty; nothing is saved on it). */
    unreadableVersionId: row.versionId && !isReadableCrisisPlanContent(row.content) ? row.versionId : undefined,
  };
}

/** A save refused because the plan's newest version cannot be read (see isReadableCrisisPlanContent). */
export class UnreadableCrisisPlanError extends DomainError {
  constructor(readonly versionId: string) {
    super('unreadable_plan');
  }
}

export type StoredCrisisPlan = NonNullable<Awaited<ReturnType<typeof findCrisisPlan>>>;

export type SaveOutcome = { outcome: 'saved'; version: number; planId: string } | { outcome: 'unchanged' };

/**
 * Saves one section as a new version, when the plan is still at `expectedVersion` (0: no plan yet, made
 * from `initial`). Returns 'unchanged' and writes nothing when the section is as it was; throws
 * stale_card when the plan moved on since the form was made. The version, the guard and the audit row
 * (which commits the turn's claim) are one transaction.
 *
 * @example
 *   await saveCrisisPlanSection(db, groupId, 3, 'red', { signs: ['Slutar äta'], selfHelp: [], othersDo: [] }, initial, turn.actor, now);
 */
export async function saveCrisisPlanSection(
  db: Db,
  groupId: string,
  expectedVersion: number,
  section: CrisisPlanSection,
  values: Record<string, FieldValue>,
  initial: CrisisPlanContent,
  actor: Actor,
  now: Date,
): Promise<SaveOutcome> {
  try {
    return await db.$transaction(async (tx) => {
      const plan = await tx.crisisPlan.findUnique({ where: { groupId }, include: { versions: { orderBy: { version: 'desc' }, take: 1 } } });
      const latest = plan?.versions[0];
      // Never a new version built on one that cannot be read: the rest of the plan would be lost.
      if (latest && !isReadableCrisisPlanContent(latest.content)) throw new UnreadableCrisisPlanError(latest.id);
      const current = plan ? parseCrisisPlanContent(latest?.content) : initial;
      const next = withSection(current, section, values);
      if (sameContent(current, next) && (plan?.currentVersion ?? 0) === expectedVersion) return { outcome: 'unchanged' as const };
      if ((plan?.currentVersion ?? 0) !== expectedVersion) throw new DomainError('stale_card');
      let planId: string;
      if (plan) {
        // The guarded update claims the next version: of two saves from one form, one matches.
        const claimed = await tx.crisisPlan.updateMany({ where: { id: plan.id, currentVersion: expectedVersion }, data: { currentVersion: expectedVersion + 1 } });
        if (claimed.count !== 1) throw new DomainError('stale_card');
        planId = plan.id;
      } else {
        // Two first saves at once: the group's one plan is unique, and the second fails (P2002, below).
        planId = (await tx.crisisPlan.create({ data: { groupId, currentVersion: 1, createdAt: now } })).id;
      }
      const version = await tx.crisisPlanVersion.create({
        data: { crisisPlanId: planId, version: expectedVersion + 1, content: serializeCrisisPlanContent(next), section, authorMemberId: actor.memberId, createdAt: now },
      });
      await recordChange(tx, 'crisisplan.change', groupId, actor, 'CrisisPlanVersion', version.id, now);
      return { outcome: 'saved' as const, version: version.version, planId };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('stale_card');
    throw error;
  }
}

/**
 * One page of the plan's versions, newest first, with author names and the section each changed (no
 * content), and how many there are.
 */
export async function listCrisisPlanVersions(db: Db, planId: string, offset: number, take: number) {
  const total = await db.crisisPlanVersion.count({ where: { crisisPlanId: planId } });
  const start = clampOffset(offset, total, take);
  const rows = await db.crisisPlanVersion.findMany({
    where: { crisisPlanId: planId },
    orderBy: { version: 'desc' },
    skip: start,
    take,
    select: { id: true, version: true, section: true, authorMemberId: true, createdAt: true },
  });
  const names = await memberNames(db, rows.map((r) => r.authorMemberId));
  return {
    versions: rows.map((r) => ({ ...r, author: r.authorMemberId ? (names.get(r.authorMemberId) ?? null) : null })),
    offset: start,
    total,
  };
}

/**
 * One version of the plan with its content, and the content of the version before it (for "what
 * changed"; null for the first). not_found for a version the plan does not have.
 */
export async function findCrisisPlanVersion(db: Db, planId: string, version: number) {
  const rows = await db.crisisPlanVersion.findMany({
    where: { crisisPlanId: planId, version: { in: [version, version - 1] } },
    orderBy: { version: 'desc' },
  });
  const found = rows.find((r) => r.version === version);
  if (!found) throw new DomainError('not_found');
  const previous = rows.find((r) => r.version === version - 1);
  const names = await memberNames(db, [found.authorMemberId]);
  return {
    id: found.id,
    version: found.version,
    section: found.section,
    createdAt: found.createdAt,
    author: found.authorMemberId ? (names.get(found.authorMemberId) ?? null) : null,
    content: parseCrisisPlanContent(found.content),
    previous: previous ? parseCrisisPlanContent(previous.content) : null,
  };
}

/**
 * Records that the plan was gone through with the individual and is still right, when it is still at
 * `expectedVersion` (what the reviewer saw); stale_card when the plan changed since the card was made.
 */
export async function markCrisisPlanReviewed(db: Db, groupId: string, expectedVersion: number, actor: Actor, now: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    const plan = await tx.crisisPlan.findUnique({ where: { groupId } });
    if (!plan) throw new DomainError('not_found');
    const claimed = await tx.crisisPlan.updateMany({ where: { id: plan.id, currentVersion: expectedVersion }, data: { reviewedAt: now, reviewedByMemberId: actor.memberId, remindersPlan: 0 } });
    if (claimed.count !== 1) throw new DomainError('stale_card');
    await recordChange(tx, 'crisisplan.review', groupId, actor, 'CrisisPlan', plan.id, now);
  });
}

/** Sets whether a member may read the crisis plan (null: the role's default). Inside the member change's transaction. */
export async function setCrisisPlanAccess(tx: Pick<Db, 'member'>, memberId: string, access: boolean | null): Promise<void> {
  await tx.member.update({ where: { id: memberId }, data: { crisisPlanAccess: access } });
}

/**
 * The crisis-plan read rule of src/domain/crisis-plan.ts (crisisPlanRefusal) as a condition on Member:
 * current, with consent, and the case manager, chosen by the individual, or by default (the individual,
 * or neither a relative nor a private person).
 */
function crisisPlanReaderWhere(db: Db, aadObjectId: string) {
  return {
    aadObjectId,
    removedAt: null,
    AND: [
      consentedMemberWhere(db),
      {
        OR: [
          { isCaseManager: true },
          { crisisPlanAccess: true },
          { crisisPlanAccess: null, isIndividual: true },
          { crisisPlanAccess: null, role: 'individual' },
          { crisisPlanAccess: null, role: { not: 'relative' }, principal: { not: 'private' } },
        ],
      },
    ],
  };
}

/** How many memberships one query reads while looking for aliases that match. */
const GROUP_BATCH = 200;

/**
 * The groups whose crisis plan the caller may read: for the personal-chat lookup and the compose-box
 * search. By alias; with `aliasQuery`, those whose alias contains it (any case). Each with whether a
 * plan has been written; `withPlanOnly` leaves out the groups without one (in the query, so `take`
 * counts only plans).
 *
 * @example
 *   const groups = await findCrisisPlanGroupsOf(db, caller.aadObjectId, 'k.l', 10);
 *   // [{ groupId: '…', alias: 'K.L.', hasPlan: true }]
 */
export async function findCrisisPlanGroupsOf(
  db: Db,
  aadObjectId: string,
  aliasQuery: string | undefined,
  take: number,
  options: { withPlanOnly?: boolean } = {},
): Promise<Array<{ groupId: string; alias: string; hasPlan: boolean }>> {
  const readers = crisisPlanReaderWhere(db, aadObjectId);
  const where = options.withPlanOnly ? { AND: [readers, { group: { crisisPlan: { isNot: null } } }] } : readers;
  const needle = aliasQuery?.trim().toLocaleLowerCase() ?? '';
  const found: Array<{ groupId: string; alias: string; hasPlan: boolean }> = [];
  // The alias match is made here rather than in SQL: SQLite and PostgreSQL differ on case-insensitive LIKE.
  for (let skip = 0; found.length < take; skip += GROUP_BATCH) {
    const batch = await db.member.findMany({
      where,
      orderBy: [{ group: { individualAlias: 'asc' } }, { groupId: 'asc' }],
      skip,
      take: GROUP_BATCH,
      select: { group: { select: { id: true, individualAlias: true, crisisPlan: { select: { id: true } } } } },
    });
    for (const { group } of batch) {
      if (found.length < take && group.individualAlias.toLocaleLowerCase().includes(needle)) {
        found.push({ groupId: group.id, alias: group.individualAlias, hasPlan: group.crisisPlan !== null });
      }
    }
    if (batch.length < GROUP_BATCH) break;
  }
  return found;
}
