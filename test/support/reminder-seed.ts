/**
 * Many resource groups with due reminders, for multi-process reminder tests and benchmarks. Each group
 * is bound to a channel of its own whose stored conversation reference points at a (fake) connector,
 * and its working time is every minute of every day with no holidays, so the real clock is always
 * inside it.
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Db } from '../../src/storage/database';
import { createFollowUp } from '../../src/storage/follow-ups';
import { groupDestination } from '../../src/storage/reminders';
import { BOT, TEAM_ID, TENANT_ID } from './activities';

export interface SeededGroup {
  groupId: string;
  conversationId: string;
  caseManagerId: string;
}

const TIME_ZONE = 'Europe/Stockholm';
const CHUNK = 500;

/**
 * `count` groups, each in its own channel with a stored conversation reference to `serviceUrl` (what
 * the bot stores when the channel first speaks), a consented case manager, always working time, and
 * no weekly digest. Inserted in bulk: the rows createResourceGroup would make, without its audit.
 *
 * @example
 *   const groups = await seedChannelGroups(db, { count: 100, serviceUrl: connector.url, name: 'mp' });
 */
export async function seedChannelGroups(db: Db, options: { count: number; serviceUrl: string; name: string }): Promise<SeededGroup[]> {
  const now = new Date();
  const groups = Array.from({ length: options.count }, (_, i) => ({
    groupId: randomUUID(),
    conversationId: `19:${options.name}-${String(i).padStart(5, '0')}@thread.tacv2`,
    caseManagerId: randomUUID(),
  }));
  for (let i = 0; i < groups.length; i += CHUNK) {
    const chunk = groups.slice(i, i + CHUNK);
    await db.resourceGroup.createMany({
      data: chunk.map((g, j) => ({
        id: g.groupId,
        conversationId: g.conversationId,
        conversationType: 'channel',
        tenantId: TENANT_ID,
        teamId: TEAM_ID,
        channelId: g.conversationId,
        individualAlias: `G${i + j}`,
        caseManagementModel: 'IP',
        locale: 'sv',
        timeZone: TIME_ZONE,
        workDays: '1,2,3,4,5,6,7',
        workdayStartMinute: 0,
        workdayEndMinute: 1440,
        observeHolidays: false,
        weeklyDigest: false,
      })),
    });
    await db.member.createMany({
      data: chunk.map((g, j) => ({
        id: g.caseManagerId,
        groupId: g.groupId,
        teamsUserId: `29:case-manager-${i + j}`,
        displayName: `Case Manager ${i + j}`,
        role: 'case_manager',
        principal: 'other',
        isCaseManager: true,
        consentRecordedAt: now,
      })),
    });
    await db.conversationReference.createMany({
      data: chunk.map((g) => ({
        conversationId: g.conversationId,
        serviceUrl: options.serviceUrl,
        tenantId: TENANT_ID,
        reference: JSON.stringify({
          user: { id: '29:sara', name: 'Sara Lind' },
          bot: BOT,
          conversation: { id: g.conversationId, conversationType: 'channel', tenantId: TENANT_ID, isGroup: true },
          channelId: 'msteams',
          locale: 'sv-SE',
          serviceUrl: options.serviceUrl,
        }),
      })),
    });
  }
  return groups;
}

/** The wall-clock minute (day and HH:mm in Stockholm) at or before `instant`. */
function minuteAtOrBefore(instant: Date): { day: string; time: string; at: Date } {
  const local = DateTime.fromJSDate(instant, { zone: TIME_ZONE }).startOf('minute');
  return { day: local.toISODate()!, time: local.toFormat('HH:mm'), at: local.toJSDate() };
}

/**
 * `perGroup` one-off channel follow-ups per group, made with createFollowUp as `uppföljning` makes
 * them, whose time is the minute `dueBefore` falls in (so already due): the schedulers plan and send
 * them. Returns their ids.
 */
export async function seedDueFollowUps(db: Db, groups: readonly SeededGroup[], perGroup: number, dueBefore: Date): Promise<string[]> {
  const { day, time, at } = minuteAtOrBefore(dueBefore);
  const ids: string[] = [];
  for (const group of groups) {
    for (let k = 0; k < perGroup; k++) {
      const followUp = await createFollowUp(
        db,
        group.groupId,
        TIME_ZONE,
        { kind: 'plan_follow_up', startDay: day, time, recurrence: { kind: 'once' }, memberIds: [] },
        { memberId: group.caseManagerId },
        new Date(at.getTime() - 60_000),
      );
      ids.push(followUp.id);
    }
  }
  return ids;
}

/**
 * `perGroup` reminders per group as the planner leaves them for one-off channel follow-ups (the
 * follow-up finished, its one occurrence a pending reminder), due at `sendAfter`. The reminders are
 * inserted in one transaction, so the schedulers see all of them at once. Returns the reminder ids.
 */
export async function seedPlannedReminders(db: Db, groups: readonly SeededGroup[], perGroup: number, sendAfter: Date): Promise<string[]> {
  const { day, time } = minuteAtOrBefore(sendAfter);
  const rows = groups.flatMap((group) =>
    Array.from({ length: perGroup }, () => ({ group, followUpId: randomUUID(), reminderId: randomUUID() })),
  );
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db.followUp.createMany({
      data: rows.slice(i, i + CHUNK).map((row) => ({
        id: row.followUpId,
        groupId: row.group.groupId,
        kind: 'plan_follow_up',
        startDay: day,
        time,
        timeZone: TIME_ZONE,
        recurrence: 'once',
        audience: 'channel',
        status: 'finished',
        nextAt: null,
        nextDay: null,
        createdByMemberId: row.group.caseManagerId,
      })),
    });
  }
  await db.$transaction(
    async (tx) => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        await tx.reminder.createMany({
          data: rows.slice(i, i + CHUNK).map((row) => ({
            id: row.reminderId,
            groupId: row.group.groupId,
            kind: 'follow_up',
            occurrenceKey: `follow_up:${row.followUpId}:${day}T${time}`,
            followUpId: row.followUpId,
            destination: groupDestination(row.group.groupId),
            dueAt: sendAfter,
            sendAfter,
          })),
        });
      }
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  return rows.map((row) => row.reminderId);
}
