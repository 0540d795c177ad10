/**
 * Follow-ups a group scheduled and the reminders they and everything else produce, as the group's
 * members see and change them: create, list, cancel, snooze a reminder.
 */
import { DomainError } from '../domain/errors';
import type { FollowUpInput, ReminderSettings } from '../domain/follow-ups';
import { formatRecurrence, nextOccurrence } from '../domain/recurrence';
import { recordChange, type AuditActor } from './audit';
import type { Db } from './database';
import { markGroupForReplanning, restartSweep } from './planning';
import { cancelPendingReminders } from './reminders';

/** The first occurrence of a schedule from now; a schedule with none left is invalid input. */
function firstOccurrence(input: FollowUpInput, timeZone: string, now: Date) {
  const first = nextOccurrence({ startDay: input.startDay, time: input.time, timeZone, recurrence: input.recurrence }, new Date(now.getTime() - 1));
  if (!first) throw new DomainError('invalid_input', { day: 'followUp.error.past' });
  return first;
}

/** A follow-up's schedule columns from the form, with its first occurrence (validated by the caller). */
function scheduleOf(input: FollowUpInput, timeZone: string, first: { at: Date; day: string }) {
  return {
    kind: input.kind,
    startDay: input.startDay,
    time: input.time,
    timeZone,
    recurrence: formatRecurrence(input.recurrence),
    audience: input.memberIds.length > 0 ? 'members' : 'channel',
    audienceMemberIds: input.memberIds.length > 0 ? JSON.stringify(input.memberIds) : null,
    nextAt: first.at,
    nextDay: first.day,
    unplannedAt: first.at,
    unplannedDay: first.day,
  };
}

/**
 * Schedules a follow-up; its first occurrence is planned by the scheduler.
 *
 * @example
 *   await createFollowUp(db, groupId, 'Europe/Stockholm', input, actor, now);
 */
export async function createFollowUp(db: Db, groupId: string, timeZone: string, input: FollowUpInput, actor: AuditActor, now: Date) {
  const first = firstOccurrence(input, timeZone, now);
  return db.$transaction(async (tx) => {
    const followUp = await tx.followUp.create({
      data: { groupId, ...scheduleOf(input, timeZone, first), createdByMemberId: actor.memberId },
    });
    await recordChange(tx, 'followup.create', groupId, actor, 'FollowUp', followUp.id, now);
    return followUp;
  });
}

/**
 * Changes a follow-up's schedule from a new start: its reminders not yet sent are cancelled, and the
 * scheduler plans the new ones. 'gone' when it is not an active follow-up of the group any more.
 */
export async function changeFollowUp(db: Db, groupId: string, followUpId: string, timeZone: string, input: FollowUpInput, actor: AuditActor, now: Date): Promise<'changed' | 'gone'> {
  const first = firstOccurrence(input, timeZone, now);
  return db.$transaction(async (tx) => {
    const changed = await tx.followUp.updateMany({
      where: { id: followUpId, groupId, status: 'active' },
      data: { ...scheduleOf(input, timeZone, first), revision: { increment: 1 } },
    });
    if (changed.count === 0) return 'gone';
    await cancelPendingReminders(tx, { followUpId }, 'follow_up_changed');
    await recordChange(tx, 'followup.change', groupId, actor, 'FollowUp', followUpId, now);
    return 'changed';
  });
}

/** The group's active follow-ups, soonest first, and how many there are. */
export async function listActiveFollowUps(db: Db, groupId: string, take: number) {
  const where = { groupId, status: 'active' };
  const [followUps, total] = await Promise.all([db.followUp.findMany({ where, orderBy: { nextAt: 'asc' }, take }), db.followUp.count({ where })]);
  return { followUps, total };
}

/** Cancels a follow-up and its reminders not yet sent. 'unchanged' when it was not active. */
export async function cancelFollowUp(db: Db, groupId: string, followUpId: string, actor: AuditActor, now: Date): Promise<'cancelled' | 'unchanged'> {
  return db.$transaction(async (tx) => {
    const found = await tx.followUp.findFirst({ where: { id: followUpId, groupId }, select: { id: true } });
    if (!found) throw new DomainError('not_found');
    const cancelled = await tx.followUp.updateMany({ where: { id: followUpId, status: 'active' }, data: { status: 'cancelled', nextAt: null, nextDay: null, unplannedAt: null, unplannedDay: null } });
    if (cancelled.count === 0) return 'unchanged';
    await cancelPendingReminders(tx, { followUpId }, 'follow_up_cancelled');
    await recordChange(tx, 'followup.cancel', groupId, actor, 'FollowUp', followUpId, now);
    return 'cancelled';
  });
}

/** The reminder a member acts on, with its group, if it is that group's. */
export function findReminder(db: Db, reminderId: string) {
  return db.reminder.findUnique({ where: { id: reminderId }, include: { group: true } });
}

/**
 * Snoozes a reminder: a copy of it comes again at `sendAfter`; the schedule it came from is not
 * changed. Snoozing the same reminder again makes another copy (each with its own key).
 */
export async function snoozeReminder(db: Db, reminder: { id: string; groupId: string; kind: string; occurrenceKey: string; agreementId: string | null; followUpId: string | null; memberId: string | null; destination: string; dueAt: Date }, sendAfter: Date, actor: AuditActor, now: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    const earlier = await tx.reminder.count({ where: { snoozedFromId: reminder.id } });
    await tx.reminder.create({
      data: {
        groupId: reminder.groupId,
        kind: reminder.kind,
        occurrenceKey: `${reminder.occurrenceKey}:snooze:${reminder.id}:${earlier + 1}`,
        agreementId: reminder.agreementId,
        followUpId: reminder.followUpId,
        memberId: reminder.memberId,
        destination: reminder.destination,
        dueAt: reminder.dueAt,
        sendAfter,
        snoozedFromId: reminder.id,
      },
    });
    await recordChange(tx, 'reminder.snoozed', reminder.groupId, actor, 'Reminder', reminder.id, now);
  });
}

/** How many reminders of a group wait to be sent. */
export function countWaitingReminders(db: Db, groupId: string): Promise<number> {
  return db.reminder.count({ where: { groupId, status: { in: ['pending', 'sending'] } } });
}

/** Saves a group's reminder settings (the case manager's), audited. */
export async function saveReminderSettings(db: Db, groupId: string, settings: ReminderSettings, actor: AuditActor, now: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.resourceGroup.update({ where: { id: groupId }, data: { ...settings, workDays: settings.workDays.join(',') } });
    // The group's reminders not yet sent move to the new working time and lead days (the planning sweep).
    await markGroupForReplanning(tx, groupId);
    // The working time moves this week's digest; a digest turned on gets this week's.
    await restartSweep(tx, 'weekly_digest');
    await recordChange(tx, 'group.reminder_settings', groupId, actor, 'ResourceGroup', groupId, now);
  });
}

/** Turns a person's weekly digest of their agreements on or off, in every group they belong to. */
export async function setPersonalDigest(db: Db, groupId: string, aadObjectId: string, on: boolean, actor: AuditActor, now: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.member.updateMany({ where: { aadObjectId, removedAt: null }, data: { personalDigest: on } });
    await restartSweep(tx, 'personal_digest');
    await recordChange(tx, on ? 'member.personal_digest_on' : 'member.personal_digest_off', groupId, actor, 'Member', actor.memberId, now);
  });
}
