/**
 * Persistence of agreements and their event history. Nothing about an agreement changes without an
 * event; changes are guarded by the agreement's version, so a double click or two members at once make
 * one event, never two.
 */
import { OPEN_AGREEMENT_STATUSES, type AgreementChange, type AgreementInput } from '../domain/agreements';
import { DomainError } from '../domain/errors';
import { hasConsent } from '../domain/members';
import type { AgreementStatus } from '../domain/plan';
import { nextAgreementStatus } from '../domain/agreements';
import { recordChange } from './audit';
import type { Db } from './database';
import type { Actor } from './members';

const AGREEMENT_DETAILS = {
  responsible: true,
  goal: true,
  subGoal: true,
  events: { orderBy: { createdAt: 'asc' as const } },
};

/** One agreement of the group with its history; not_found for an unknown id or another group's. */
export async function findAgreement(db: Db, groupId: string, agreementId: string) {
  const agreement = await db.agreement.findFirst({ where: { id: agreementId, groupId }, include: AGREEMENT_DETAILS });
  if (!agreement) throw new DomainError('not_found');
  return agreement;
}

export type AgreementWithHistory = Awaited<ReturnType<typeof findAgreement>>;

/** Creates an agreement with its "created" event, audited. */
export async function createAgreement(db: Db, groupId: string, input: AgreementInput, actor: Actor, now: Date) {
  return db.$transaction(async (tx) => {
    const agreement = await tx.agreement.create({
      data: {
        groupId,
        what: input.what,
        responsibleMemberId: input.responsibleMemberId,
        dueDate: input.dueDate,
        goalId: input.goalId ?? null,
        subGoalId: input.subGoalId ?? null,
        createdByMemberId: actor.memberId,
        createdAt: now,
        events: { create: [{ kind: 'created', actorMemberId: actor.memberId, createdAt: now }] },
      },
    });
    await recordChange(tx, 'agreement.create', groupId, actor, 'Agreement', agreement.id, now);
    return agreement;
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
  return db.$transaction(async (tx) => {
    const agreement = await tx.agreement.findFirst({ where: { id: agreementId, groupId } });
    if (!agreement) throw new DomainError('not_found');
    const next = nextAgreementStatus({ ...agreement, status: agreement.status as AgreementStatus }, change);
    if (next === 'unchanged') return 'unchanged';
    if (agreement.version !== expectedVersion) throw new DomainError('stale_card');
    if (next === 'not_allowed') throw new DomainError('invalid_input', { change: 'agreement.error.finished' });
    const data: { status: AgreementStatus; version: { increment: number }; dueDate?: Date; responsibleMemberId?: string } = {
      status: next,
      version: { increment: 1 },
    };
    let details: Record<string, string> | undefined;
    if (change.kind === 'due_date_changed') {
      data.dueDate = change.dueDate;
      details = { from: agreement.dueDate.toISOString().slice(0, 10), to: change.dueDate.toISOString().slice(0, 10) };
    } else if (change.kind === 'reassigned') {
      data.responsibleMemberId = change.responsibleMemberId;
      details = { from: agreement.responsibleMemberId, to: change.responsibleMemberId };
    } else if (change.kind === 'declined') {
      details = { reason: change.reason };
    }
    // The guarded update claims the version: of two concurrent changes from one card, one matches.
    const claimed = await tx.agreement.updateMany({ where: { id: agreement.id, version: expectedVersion }, data });
    if (claimed.count !== 1) throw new DomainError('stale_card');
    await tx.agreementEvent.create({
      data: { agreementId: agreement.id, kind: change.kind, actorMemberId: actor.memberId, details: details ? JSON.stringify(details) : null, createdAt: now },
    });
    await recordChange(tx, `agreement.${change.kind}`, groupId, actor, 'Agreement', agreement.id, now);
    return 'changed';
  });
}

/**
 * The caller's open agreements: in one group, or across every group where they are a current member
 * with consent (for "mine" in personal chat). Includes the group's alias and time zone.
 */
export async function findOpenAgreementsOf(db: Db, aadObjectId: string, groupId?: string) {
  const memberships = (await db.member.findMany({ where: { aadObjectId, removedAt: null, ...(groupId ? { groupId } : {}) } })).filter(hasConsent);
  if (memberships.length === 0) return [];
  return db.agreement.findMany({
    where: { responsibleMemberId: { in: memberships.map((m) => m.id) }, status: { in: [...OPEN_AGREEMENT_STATUSES] } },
    include: { group: true, goal: true },
    orderBy: { dueDate: 'asc' },
  });
}

/** Agreements of the group made or changed since `since`, with their members and history. */
export function findAgreementsChangedSince(db: Db, groupId: string, since: Date) {
  return db.agreement.findMany({
    where: { groupId, events: { some: { createdAt: { gte: since } } } },
    include: AGREEMENT_DETAILS,
    orderBy: [{ dueDate: 'asc' }],
  });
}
