/**
 * Persistence of agreements and their event history. Nothing about an agreement changes without an
 * event; changes are guarded by the agreement's version, so a double click or two members at once make
 * one event, never two.
 */
import { OPEN_AGREEMENT_STATUSES, type AgreementChange, type AgreementInput } from '../domain/agreements';
import { DomainError } from '../domain/errors';
import type { AgreementStatus } from '../domain/plan';
import { nextAgreementStatus } from '../domain/agreements';
import { randomUUID } from 'node:crypto';
import { recordChangeSteps } from './audit';
import { todayCache } from '../domain/reminders';
import { planAgreementSteps } from './planning';
import { cancelAgreementRemindersSteps } from './reminders';
import { clampOffset } from './goals';
import type { Db } from './database';
import { consentedMemberSql, consentedMemberWhere, type Actor } from './members';
import type { Agreement, AgreementEvent, Goal, Member, SubGoal } from '../generated/sqlite/client';
import { AGREEMENT_EVENT_ROW, AGREEMENT_ROW, columnsOf, GOAL_ROW, MEMBER_ROW, SUB_GOAL_ROW, type TableShape } from './rows';
import { all, placeholders, rowOf, run, sqlOf } from './sql';

/** How many events the agreement view shows unless told otherwise. */
const EVENTS_SHOWN = 15;

/**
 * One agreement of the group with a page of its history: the newest `eventsSize` events after skipping
 * `eventsOffset` newer ones, oldest first for reading, and how many events there are. not_found for an
 * unknown id or another group's.
 */
export async function findAgreement(db: Db, groupId: string, agreementId: string, eventsOffset = 0, eventsSize = EVENTS_SHOWN) {
  // Every agreement view: plain SQL (sql.ts), each by its key, where Prisma's includes took six calls.
  const sql = sqlOf(db);
  const [row] = await sql.all(`SELECT ${columnsOf(AGREEMENT_ROW)} FROM "Agreement" WHERE "id" = ? AND "groupId" = ?`, [agreementId, groupId]);
  if (!row) throw new DomainError('not_found');
  const agreement = rowOf<Agreement>(row, AGREEMENT_ROW);
  const byId = async <T>(table: string, id: string | null, shape: TableShape<string>): Promise<T | null> => {
    if (!id) return null;
    const [found] = await sql.all(`SELECT ${columnsOf(shape)} FROM "${table}" WHERE "id" = ?`, [id]);
    return found ? rowOf<T>(found, shape) : null;
  };
  const [responsible, goal, subGoal, events, counted] = await Promise.all([
    byId<Member>('Member', agreement.responsibleMemberId, MEMBER_ROW),
    byId<Goal>('Goal', agreement.goalId, GOAL_ROW),
    byId<SubGoal>('SubGoal', agreement.subGoalId, SUB_GOAL_ROW),
    sql.all(`SELECT ${columnsOf(AGREEMENT_EVENT_ROW)} FROM "AgreementEvent" WHERE "agreementId" = ? ORDER BY "createdAt" DESC, "id" DESC LIMIT ? OFFSET ?`, [agreementId, eventsSize, eventsOffset]),
    sql.all<{ total: number | string }>('SELECT COUNT(*) AS "total" FROM "AgreementEvent" WHERE "agreementId" = ?', [agreementId]),
  ]);
  return {
    ...agreement,
    responsible: responsible!,
    goal,
    subGoal,
    events: events.map((e) => rowOf<AgreementEvent>(e, AGREEMENT_EVENT_ROW)).reverse(),
    _count: { events: Number(counted[0]?.total ?? 0) },
  };
}

export type AgreementWithHistory = Awaited<ReturnType<typeof findAgreement>>;

/**
 * Creates an agreement with its "created" event and its reminders, audited, in one transaction: an
 * agreement never exists without its planned reminders (storage/planning.ts).
 */
export async function createAgreement(db: Db, groupId: string, input: AgreementInput, actor: Actor, now: Date): Promise<{ id: string }> {
  const id = randomUUID();
  const today = todayCache(now);
  return sqlOf(db).transaction(function* () {
    yield* run(
      'INSERT INTO "Agreement" ("id", "groupId", "responsibleMemberId", "what", "dueDate", "goalId", "subGoalId", "status", "version", "remindersPlan", "createdByMemberId", "createdAt", "updatedAt") ' +
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'proposed', 1, 0, ?, ?, ?)",
      [id, groupId, input.responsibleMemberId, input.what, input.dueDate, input.goalId ?? null, input.subGoalId ?? null, actor.memberId, now, now],
    );
    yield* run('INSERT INTO "AgreementEvent" ("id", "agreementId", "kind", "actorMemberId", "details", "createdAt") VALUES (?, ?, \'created\', ?, NULL, ?)', [randomUUID(), id, actor.memberId, now]);
    yield* planAgreementSteps(id, now, today);
    yield* recordChangeSteps('agreement.create', groupId, actor, 'Agreement', id, now);
    return { id };
  });
}

export type ChangeOutcome = 'changed' | 'unchanged';

/**
 * Applies a change to an agreement that is still at `expectedVersion`. Returns 'unchanged' (and writes
 * nothing) when the change repeats the current state; throws stale_card when the agreement moved on
 * since the card was made, and invalid_input for a change a finished agreement cannot take.
 */
export async function changeAgreement(
  db: Db,
  groupId: string,
  agreementId: string,
  expectedVersion: number,
  change: AgreementChange,
  actor: Actor,
  now: Date,
): Promise<ChangeOutcome> {
  // Every press of an agreement's buttons: one plain-SQL transaction (sql.ts) of five statements, where
  // Prisma's interactive transaction took 8 ms and held SQLite's write lock across turns of the event loop.
  return sqlOf(db).transaction(function* () {
    const [row] = yield* all(`SELECT ${columnsOf(AGREEMENT_ROW)} FROM "Agreement" WHERE "id" = ? AND "groupId" = ?`, [agreementId, groupId]);
    if (!row) throw new DomainError('not_found');
    const agreement = rowOf<Agreement>(row, AGREEMENT_ROW);
    const next = nextAgreementStatus({ ...agreement, status: agreement.status as AgreementStatus }, change);
    if (next === 'unchanged') return 'unchanged';
    if (agreement.version !== expectedVersion) throw new DomainError('stale_card');
    if (next === 'not_allowed') throw new DomainError('invalid_input', { change: 'agreement.error.finished' });
    let details: Record<string, string> | undefined;
    if (change.kind === 'due_date_changed') {
      details = { from: agreement.dueDate.toISOString().slice(0, 10), to: change.dueDate.toISOString().slice(0, 10) };
    } else if (change.kind === 'reassigned') {
      details = { from: agreement.responsibleMemberId, to: change.responsibleMemberId };
    } else if (change.kind === 'declined') {
      details = { reason: change.reason };
    }
    // The responsible person's own answers, given by someone else (the case manager): recorded as such.
    if ((change.kind === 'accepted' || change.kind === 'done' || change.kind === 'declined') && actor.memberId !== agreement.responsibleMemberId) {
      details = { ...details, onBehalfOf: agreement.responsibleMemberId };
    }
    const dueDate = change.kind === 'due_date_changed' ? change.dueDate : agreement.dueDate;
    const responsibleMemberId = change.kind === 'reassigned' ? change.responsibleMemberId : agreement.responsibleMemberId;
    // The guarded update claims the version: of two concurrent changes from one card, one matches.
    // updatedAt as Prisma's @updatedAt sets it: the moment of writing.
    const claimed = yield* run('UPDATE "Agreement" SET "status" = ?, "version" = "version" + 1, "dueDate" = ?, "responsibleMemberId" = ?, "updatedAt" = ? WHERE "id" = ? AND "version" = ?', [
      next,
      dueDate,
      responsibleMemberId,
      new Date(),
      agreement.id,
      expectedVersion,
    ]);
    if (claimed !== 1) throw new DomainError('stale_card');
    yield* run('INSERT INTO "AgreementEvent" ("id", "agreementId", "kind", "actorMemberId", "details", "createdAt") VALUES (?, ?, ?, ?, ?, ?)', [
      randomUUID(),
      agreement.id,
      change.kind,
      actor.memberId,
      details ? JSON.stringify(details) : null,
      now,
    ]);
    // Its reminders follow: a finished agreement's end; a new day or person plans them anew.
    if (next === 'done' || next === 'cancelled') yield* cancelAgreementRemindersSteps(agreement.id, now);
    else if (change.kind === 'due_date_changed' || change.kind === 'reassigned') yield* planAgreementSteps(agreement.id, now, todayCache(now));
    yield* recordChangeSteps(`agreement.${change.kind}`, groupId, actor, 'Agreement', agreement.id, now);
    return 'changed' as ChangeOutcome;
  });
}

/** The responsible member `mina` looks at: the caller as a current member with consent, in one group or in all. */
function mineResponsibleWhere(db: Db, aadObjectId: string, groupId: string | undefined) {
  return { aadObjectId, removedAt: null, ...consentedMemberWhere(db), ...(groupId ? { groupId } : {}) };
}

/**
 * One page of the caller's open agreements, by due date (so overdue ones come first): in one group, or
 * across every group where they are a current member with consent (for "mine" in personal chat), with
 * each group's alias, and how many there are. Membership and consent are part of the query (a join),
 * so a member of a thousand groups costs no list of ids.
 */
export async function findOpenAgreementsOf(db: Db, aadObjectId: string, page: { groupId?: string; offset: number; take: number }) {
  // The busiest personal view (a member of 100 groups): plain SQL (sql.ts), two statements where Prisma
  // took three: the count, then the page's rows with their groups' aliases.
  const sql = sqlOf(db);
  const statuses = [...OPEN_AGREEMENT_STATUSES];
  const from = 'FROM "Agreement" a JOIN "Member" m ON m."id" = a."responsibleMemberId"';
  // The responsible member is the caller, current, with consent.
  const where =
    `WHERE m."aadObjectId" = ? AND m."removedAt" IS NULL AND ${consentedMemberSql('m.')} ` +
    `AND a."status" IN ${placeholders(statuses.length)}${page.groupId ? ' AND a."groupId" = ?' : ''}`;
  const params = [aadObjectId, ...statuses, ...(page.groupId ? [page.groupId] : [])];
  // Both read the index (responsibleMemberId, status, dueDate, id) alone; only the page's rows and groups
  // are read whole. A window count sorted and counted every open agreement with its whole row: 5 ms for a
  // member of 100 groups (`npm run bench`), against 0.8 ms for these two.
  const [counted] = await sql.all<{ total: number | string }>(`SELECT COUNT(*) AS "total" ${from} ${where}`, params);
  const total = Number(counted?.total ?? 0);
  // Past the end: the last page, as clampOffset has it.
  const offset = clampOffset(Math.max(0, page.offset), total, page.take);
  const rows =
    total === 0
      ? []
      : await sql.all<Record<string, unknown> & { groupAlias: string }>(
          `WITH "page" AS (SELECT a."id" ${from} ${where} ORDER BY a."dueDate", a."id" LIMIT ? OFFSET ?) ` +
            `SELECT ${columnsOf(AGREEMENT_ROW, 'a')}, g."individualAlias" AS "groupAlias" FROM "page" p JOIN "Agreement" a ON a."id" = p."id" JOIN "ResourceGroup" g ON g."id" = a."groupId" ` +
            'ORDER BY a."dueDate", a."id"',
          [...params, page.take, offset],
        );
  const agreements = rows.map(({ groupAlias, ...row }) => ({
    ...rowOf<Agreement>(row, AGREEMENT_ROW),
    group: { id: row.groupId as string, individualAlias: groupAlias },
  }));
  return { agreements, offset, total };
}

/**
 * Whether the caller has done (completed) an agreement where `mina` looks: in one group, or in every
 * group where they are a current member with consent (as findOpenAgreementsOf).
 */
export async function hasDoneAgreementsOf(db: Db, aadObjectId: string, scope: { groupId?: string } = {}): Promise<boolean> {
  const done = await db.agreement.findFirst({
    where: { status: 'done' satisfies AgreementStatus, responsible: mineResponsibleWhere(db, aadObjectId, scope.groupId) },
    select: { id: true },
  });
  return done !== null;
}

/**
 * One page of the group's agreements made or changed since `since`, by responsible member (name) and
 * due date, and how many there are.
 */
export async function findAgreementsChangedSince(db: Db, groupId: string, since: Date, page: { offset: number; take: number }) {
  const where = { groupId, events: { some: { createdAt: { gte: since } } } };
  const total = await db.agreement.count({ where });
  const offset = clampOffset(page.offset, total, page.take);
  const agreements = await db.agreement.findMany({
    where,
    include: { responsible: { select: { id: true, displayName: true } } },
    orderBy: [{ responsible: { displayName: 'asc' } }, { responsibleMemberId: 'asc' }, { dueDate: 'asc' }, { id: 'asc' }],
    skip: offset,
    take: page.take,
  });
  return { agreements, offset, total };
}
