import type { TurnContext } from 'botbuilder';
import { digestCard, followUpFormCard, followUpFormValues, followUpsCard, reminderSettingsFormCard, type DigestSection } from '../cards/follow-ups';
import { formatDateTime, formatDay, formValue, isoDay } from '../cards/format';
import { DomainError } from '../domain/errors';
import { MEETING_KINDS, validateFollowUpInput, validateReminderSettings } from '../domain/follow-ups';
import { todayIn } from '../domain/forms';
import { OPEN_AGREEMENT_STATUSES } from '../domain/agreements';
import { nextWorkingTime, wallClockToInstant } from '../domain/working-time';
import { translate, type MessageKey } from '../locales';
import { cancelFollowUp, changeFollowUp, createFollowUp, countWaitingReminders, findReminder, listActiveFollowUps, saveReminderSettings, setPersonalDigest, snoozeReminder } from '../storage/follow-ups';
import { workingTimeOf } from '../domain/reminders';
import type { BotDeps, Feature } from './feature';
import { turnRecord } from './turn';
import { auditRead, consentedTeamsUserIds, memberChoices, postShell, requireAccessToGroup, requireGroupAccess, type GroupTurn } from './group-context';

const DAY_MS = 86_400_000;
const FOLLOW_UPS_SHOWN = 20;
const SECTION_ITEMS = 10;

/**
 * `uppföljning` / `follow-up`: the group's follow-ups (schedule, list, cancel), and what reminders open:
 * snooze, the weekly digest, a meeting's agenda and, after it, the meeting summary.
 */
export function followUpsFeature(deps: BotDeps): Feature {
  const { db, logger, now } = deps;
  const todayOf = (turn: GroupTurn) => todayIn(turn.group.timeZone, now());

  async function followUpsView(context: TurnContext, turn: GroupTurn, notice?: string) {
    const [{ followUps, total }, pending] = await Promise.all([listActiveFollowUps(db, turn.group.id, FOLLOW_UPS_SHOWN), countWaitingReminders(db, turn.group.id)]);
    // The view is always shown in the group's conversation, and hearing from it has just cleared a 403
    // mark (install.ts): the reference as this turn found it says whether, and since when, it lasted.
    const unreachableSince = turnRecord(context).storedReference?.unreachableAt ?? null;
    await auditRead(db, turn, 'followups.read', 'ResourceGroup', turn.group.id);
    return followUpsCard(turn.locale, followUps, {
      alias: turn.group.individualAlias,
      timeZone: turn.group.timeZone,
      userIds: await consentedTeamsUserIds(db, turn.group.id),
      total,
      pending,
      unreachableSince,
      members: await memberChoices(db, turn.group.id),
      notice,
      canManage: turn.member.isCaseManager,
      personalDigest: turn.member.personalDigest,
    });
  }

  /** The members a follow-up can remind: those with Teams and consent. */
  async function remindable(groupId: string) {
    const members = await db.member.findMany({
      where: { groupId, removedAt: null, teamsUserId: { not: null }, consentRecordedAt: { not: null }, consentWithdrawnAt: null },
      select: { id: true, displayName: true },
      orderBy: { displayName: 'asc' },
    });
    return members.map((m) => ({ id: m.id, name: m.displayName }));
  }

  /** Open agreements of the group, overdue first, as digest lines. */
  async function agreementLines(turn: GroupTurn, where: Record<string, unknown>) {
    const today = todayOf(turn);
    const agreements = await db.agreement.findMany({
      where: { groupId: turn.group.id, status: { in: [...OPEN_AGREEMENT_STATUSES] }, ...where },
      orderBy: { dueDate: 'asc' },
      take: SECTION_ITEMS,
      select: { what: true, dueDate: true, responsible: { select: { displayName: true } } },
    });
    return agreements.map((a) => ({
      text: a.what,
      line: `${a.responsible.displayName} · ${translate(turn.locale, a.dueDate < today ? 'agreement.overdue' : 'agreement.due', { date: formatDay(a.dueDate, turn.locale) })}`,
      overdue: a.dueDate < today,
    }));
  }

  return {
    name: 'follow-ups',
    commands: {
      followUp: async (context) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'followups.read');
        await postShell(context, turn.locale, { titleKey: 'shell.followUps.title', verb: 'followUpsShow', userIds: [turn.caller.teamsUserId] });
      },
    },
    actions: {
      followUpsShow: async (context) => followUpsView(context, await requireGroupAccess(db, context, 'consented', 'followups.read')),

      followUpNewForm: async (context) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'followup.create');
        return followUpFormCard(turn.locale, await remindable(turn.group.id), isoDay(todayOf(turn)));
      },

      followUpCreate: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'followup.create');
        const members = await remindable(turn.group.id);
        const validation = validateFollowUpInput(data, members.map((m) => m.id), now(), turn.group.timeZone);
        if (!validation.ok) return followUpFormCard(turn.locale, members, isoDay(todayOf(turn)), data, validation.fieldErrors);
        const followUpId = formValue(data.followUpId);
        if (followUpId) {
          const outcome = await changeFollowUp(db, turn.group.id, followUpId, turn.group.timeZone, validation.value, turn.actor, now());
          logger.info('followup.change', { groupId: turn.group.id, outcome });
          return followUpsView(context, turn, translate(turn.locale, outcome === 'changed' ? 'followUp.changed' : 'followUp.alreadyCancelled'));
        }
        const followUp = await createFollowUp(db, turn.group.id, turn.group.timeZone, validation.value, turn.actor, now());
        logger.info('followup.created', { groupId: turn.group.id, followUpId: followUp.id, kind: followUp.kind });
        return followUpsView(context, turn, translate(turn.locale, 'followUp.created'));
      },

      followUpEditForm: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'followup.change');
        const followUp = await db.followUp.findFirst({ where: { id: formValue(data.followUpId), groupId: turn.group.id, status: 'active' } });
        if (!followUp) return followUpsView(context, turn, translate(turn.locale, 'followUp.alreadyCancelled'));
        return followUpFormCard(turn.locale, await remindable(turn.group.id), isoDay(todayOf(turn)), followUpFormValues(followUp));
      },

      followUpCancel: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'followup.cancel');
        const outcome = await cancelFollowUp(db, turn.group.id, formValue(data.followUpId), turn.actor, now());
        logger.info('followup.cancel', { groupId: turn.group.id, outcome });
        return followUpsView(context, turn, translate(turn.locale, outcome === 'cancelled' ? 'followUp.cancelled' : 'followUp.alreadyCancelled'));
      },

      reminderSettingsForm: async (context) => {
        const turn = await requireGroupAccess(db, context, 'caseManager', 'group.reminder_settings');
        return reminderSettingsFormCard(turn.locale, turn.group);
      },

      reminderSettingsSave: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'caseManager', 'group.reminder_settings');
        const validation = validateReminderSettings(data);
        if (!validation.ok) return reminderSettingsFormCard(turn.locale, turn.group, data, validation.fieldErrors);
        await saveReminderSettings(db, turn.group.id, validation.value, turn.actor, now());
        logger.info('group.reminder_settings', { groupId: turn.group.id });
        return followUpsView(context, { ...turn, group: { ...turn.group, ...validation.value, workDays: validation.value.workDays.join(',') } }, translate(turn.locale, 'settings.saved'));
      },

      personalDigestToggle: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'member.personal_digest');
        const on = data.on === true || data.on === 'true';
        await setPersonalDigest(db, turn.group.id, turn.caller.aadObjectId!, on, turn.actor, now());
        return followUpsView(context, { ...turn, member: { ...turn.member, personalDigest: on } }, translate(turn.locale, on ? 'settings.personalDigestNowOn' : 'settings.personalDigestNowOff'));
      },

      reminderSnooze: async (context, data) => {
        const reminder = await findReminder(db, formValue(data.reminderId));
        if (!reminder) throw new DomainError('not_found');
        const turn = await requireAccessToGroup(db, context, reminder.group, 'consented', 'reminder.snooze');
        // A reminder to one member is theirs to snooze; one to the channel, anyone's in the group.
        if (reminder.memberId && reminder.memberId !== turn.member.id) throw new DomainError('forbidden');
        const wt = workingTimeOf(reminder.group);
        let base = new Date(now().getTime() + (data.for === 'week' ? 7 : 1) * DAY_MS);
        if (data.for === 'meeting') {
          const meeting = await db.followUp.findFirst({
            where: { groupId: reminder.groupId, status: 'active', kind: { in: [...MEETING_KINDS] }, nextAt: { gt: now() } },
            orderBy: { nextAt: 'asc' },
          });
          if (meeting?.nextAt) base = meeting.nextAt;
        }
        const sendAfter = nextWorkingTime(base, wt);
        await snoozeReminder(db, reminder, sendAfter, turn.actor, now());
        logger.info('reminder.snoozed', { groupId: reminder.groupId, for: formValue(data.for) });
        return translate(turn.locale, 'reminder.snoozed', { when: formatDateTime(sendAfter, turn.locale, reminder.group.timeZone) });
      },

      digestShow: async (context) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'digest.read');
        const today = todayOf(turn);
        const sections: DigestSection[] = [
          { heading: translate(turn.locale, 'digest.overdue'), items: await agreementLines(turn, { dueDate: { lt: today } }) },
          { heading: translate(turn.locale, 'digest.dueThisWeek'), items: await agreementLines(turn, { dueDate: { gte: today, lt: new Date(today.getTime() + 7 * DAY_MS) } }) },
          {
            heading: translate(turn.locale, 'digest.followUps'),
            items: (
              await db.followUp.findMany({ where: { groupId: turn.group.id, status: 'active', nextAt: { lt: new Date(now().getTime() + 14 * DAY_MS) } }, orderBy: { nextAt: 'asc' }, take: SECTION_ITEMS })
            ).map((f) => ({ text: translate(turn.locale, `followUp.kind.${f.kind}` as MessageKey), line: formatDateTime(f.nextAt!, turn.locale, turn.group.timeZone) })),
          },
          {
            heading: translate(turn.locale, 'digest.staleGoals'),
            items: (
              await db.goal.findMany({
                where: { groupId: turn.group.id, status: { in: ['not_started', 'in_progress', 'paused'] }, updatedAt: { lt: new Date(now().getTime() - 56 * DAY_MS) } },
                orderBy: { updatedAt: 'asc' },
                take: SECTION_ITEMS,
              })
            ).map((g) => ({ text: g.text, line: translate(turn.locale, 'digest.goalLine', { date: formatDay(g.updatedAt, turn.locale) }) })),
          },
        ];
        await auditRead(db, turn, 'digest.read', 'ResourceGroup', turn.group.id);
        return digestCard(turn.locale, 'digest', sections, { alias: turn.group.individualAlias, subtitle: translate(turn.locale, 'digest.subtitle', { date: formatDay(today, turn.locale) }) });
      },

      agendaShow: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'agenda.read');
        const reminder = await db.reminder.findFirst({ where: { id: formValue(data.reminderId), groupId: turn.group.id, kind: 'meeting_agenda' }, include: { followUp: true } });
        if (!reminder?.followUp) throw new DomainError('not_found');
        const meetingDay = reminder.occurrenceKey.split(':')[2]!;
        const meetingAt = wallClockToInstant(meetingDay, reminder.followUp.time, reminder.followUp.timeZone);
        // "Since the last meeting": the previous agenda of this follow-up, or four weeks.
        const previous = await db.reminder.findFirst({ where: { followUpId: reminder.followUpId, kind: 'meeting_agenda', dueAt: { lt: reminder.dueAt }, snoozedFromId: null }, orderBy: { dueAt: 'desc' } });
        const since = previous ? wallClockToInstant(previous.occurrenceKey.split(':')[2]!, reminder.followUp.time, reminder.followUp.timeZone) : new Date(meetingAt.getTime() - 28 * DAY_MS);
        const today = todayOf(turn);
        const changed = await db.agreement.findMany({
          where: { groupId: turn.group.id, updatedAt: { gte: since } },
          orderBy: { updatedAt: 'desc' },
          take: SECTION_ITEMS,
          select: { what: true, status: true, responsible: { select: { displayName: true } } },
        });
        const goals = await db.goal.findMany({
          where: { groupId: turn.group.id, status: { in: ['not_started', 'in_progress', 'paused'] }, targetDate: { lte: new Date(today.getTime() + 31 * DAY_MS) } },
          orderBy: { targetDate: 'asc' },
          take: SECTION_ITEMS,
        });
        const sections: DigestSection[] = [
          { heading: translate(turn.locale, 'agenda.openAgreements'), items: await agreementLines(turn, {}) },
          { heading: translate(turn.locale, 'agenda.goalsToEvaluate'), items: goals.map((g) => ({ text: g.text, line: formatDay(g.targetDate!, turn.locale), overdue: g.targetDate! < today })) },
          {
            heading: translate(turn.locale, 'agenda.changedSince', { date: formatDay(since, turn.locale) }),
            items: changed.map((a) => ({ text: a.what, line: `${a.responsible.displayName} · ${translate(turn.locale, `agreement.status.${a.status}` as MessageKey)}` })),
          },
        ];
        await auditRead(db, turn, 'agenda.read', 'FollowUp', reminder.followUp.id);
        return digestCard(turn.locale, 'agenda', sections, {
          alias: turn.group.individualAlias,
          subtitle: translate(turn.locale, 'agenda.subtitle', {
            what: translate(turn.locale, `followUp.kind.${reminder.followUp.kind}` as MessageKey),
            when: formatDateTime(meetingAt, turn.locale, turn.group.timeZone),
          }),
          summarySince: meetingDay,
        });
      },

      meetingSummaryPost: async (context: TurnContext, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'agreements.summary.read');
        const since = /^\d{4}-\d{2}-\d{2}$/.test(formValue(data.since)) ? formValue(data.since) : isoDay(todayOf(turn));
        await postShell(context, turn.locale, { titleKey: 'shell.summary.title', verb: 'agreementSummaryShow', data: { since }, userIds: await consentedTeamsUserIds(db, turn.group.id) });
        return translate(turn.locale, 'agenda.summaryPosted');
      },
    },
  };
}

