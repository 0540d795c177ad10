import type { TurnContext } from 'botbuilder';
import { agreementCard, agreementFormCard, agreementListCard, listOriginOf, type AgreementListOrigin } from '../cards/agreements';
import { earliestDateParams, formValue, isoDay } from '../cards/format';
import { offsetOf, PAGE_SIZES, shorten, STATIC_CHOICES } from '../cards/paging';
import { noticeCard } from '../cards/notice';
import { mayChangeAgreement, sortForMine, validateAgreementChange, validateAgreementInput } from '../domain/agreements';
import { DomainError, fieldErrorsOf, isDomainError } from '../domain/errors';
import { dateField, integerField, todayIn } from '../domain/forms';
import { isMessageKey, translate } from '../locales';
import { changeAgreement, createAgreement, findAgreement, findAgreementsChangedSince, findOpenAgreementsOf, hasDoneAgreementsOf } from '../storage/agreements';
import { appendAudit, recordAudit } from '../storage/audit';
import { findRecentPlanLinks, resolvePlanLink, searchGoalsAndSubGoals } from '../storage/goals';
import { callerOf, conversationOf, localeOf, triggerOf } from './context';
import type { BotDeps, Feature } from './feature';
import { announce, auditRead, consentedTeamsUserIds, memberChoices, postShell, requireAccessToGroup, requireGroupAccess, type GroupTurn } from './group-context';
import { replyWithCard } from './send';

const SUMMARY_DEFAULT_DAYS = 14;

/**
 * `överenskommelse` / `agreement`, `mina` / `mine`, `överenskommelse sammanfattning`: each member's
 * agreements, acknowledged on the card by the person responsible, with every change kept as an event.
 */
export function agreementsFeature(deps: BotDeps): Feature {
  const { db, logger, now } = deps;
  const todayOf = (turn: GroupTurn) => todayIn(turn.group.timeZone, now());

  /** The caller's access to the group an agreement belongs to: the conversation's group, or in personal chat the agreement's own. */
  async function turnForAgreement(context: TurnContext, agreementId: string, action: string): Promise<GroupTurn> {
    if (conversationOf(context).conversationType !== 'personal') return requireGroupAccess(db, context, 'consented', action);
    const agreement = await db.agreement.findUnique({ where: { id: agreementId }, include: { group: true } });
    if (!agreement) throw new DomainError('not_found');
    return requireAccessToGroup(db, context, agreement.group, 'consented', action);
  }

  async function agreementView(turn: GroupTurn, agreementId: string, notice?: { text: string; color: 'Good' | 'Warning' }, eventsOffset = 0, fromList?: AgreementListOrigin) {
    const agreement = await findAgreement(db, turn.group.id, agreementId, eventsOffset, PAGE_SIZES.agreementHistory);
    await auditRead(db, turn, 'agreement.read', 'Agreement', agreement.id);
    return agreementCard(turn.locale, agreement, {
      timeZone: turn.group.timeZone,
      today: todayOf(turn),
      members: await memberChoices(db, turn.group.id),
      userIds: await consentedTeamsUserIds(db, turn.group.id),
      notice: notice?.text,
      noticeColor: notice?.color,
      eventsOffset,
      viewer: { memberId: turn.member.id, isCaseManager: turn.member.isCaseManager },
      fromList,
    });
  }

  /**
   * Goals and sub-goals an agreement can belong to, as choice values "goal:<id>" / "subgoal:<id>": the
   * most recently changed (plus `include`, a link already chosen); the typeahead finds the rest.
   */
  async function linkChoices(turn: GroupTurn, include?: { key: string; title: string }) {
    const recent = await findRecentPlanLinks(db, turn.group.id, STATIC_CHOICES);
    const prefix = translate(turn.locale, 'agreement.form.subGoalPrefix');
    const choices = [
      ...recent.goals.map((g) => ({ value: `goal:${g.id}`, title: shorten(g.text) })),
      ...recent.subGoals.map((s) => ({ value: `subgoal:${s.id}`, title: shorten(`${prefix} ${s.text}`) })),
    ];
    if (include && !choices.some((c) => c.value === include.key)) choices.push({ value: include.key, title: shorten(include.title) });
    return choices;
  }

  /**
   * Tells the group about an agreement: a new post when it is new or has a new person responsible (who
   * must act), otherwise its post updated in place. From a personal chat, proactively.
   */
  const announceAgreement = (context: TurnContext, turn: GroupTurn, agreementId: string, change: 'created' | 'reassigned' | 'changed') =>
    announce(deps, context, turn, {
      entity: { type: 'Agreement', id: agreementId },
      titleKey: change === 'created' ? 'shell.agreementCreated.title' : change === 'reassigned' ? 'shell.agreementReassigned.title' : 'shell.agreementChanged.title',
      verb: 'agreementShow',
      data: { agreementId },
      kind: change === 'changed' ? 'update' : 'new',
    });

  /** "Mine" across every group the caller belongs to (personal chat), or in this group only: one page. */
  async function mineView(context: TurnContext, groupTurn: GroupTurn | undefined, offset: number) {
    const caller = callerOf(context);
    if (!caller.aadObjectId) throw new DomainError('not_a_member');
    const locale = localeOf(context);
    const page = await findOpenAgreementsOf(db, caller.aadObjectId, { groupId: groupTurn?.group.id, offset, take: PAGE_SIZES.mine });
    const today = todayIn(groupTurn?.group.timeZone ?? deps.config.defaultTimeZone, now());
    // One audit row per group whose agreements this page shows, written in one statement.
    const groupIds = [...new Set(page.agreements.map((a) => a.groupId))];
    await appendAudit(db, groupIds.map((groupId) => ({ action: 'agreements.mine.read', outcome: 'allowed', groupId, actorAadObjectId: caller.aadObjectId, trigger: triggerOf(context) })), now());
    const sorted = sortForMine(page.agreements, today);
    const sections = groupTurn
      ? sorted.length > 0 ? [{ heading: groupTurn.group.individualAlias, items: sorted }] : []
      : groupIds.map((groupId) => ({
          heading: sorted.find((a) => a.groupId === groupId)!.group.individualAlias,
          items: sorted.filter((a) => a.groupId === groupId),
        }));
    const someDone = page.total === 0 && (await hasDoneAgreementsOf(db, caller.aadObjectId, { groupId: groupTurn?.group.id }));
    return agreementListCard(locale, 'mine', sections, { today, someDone, offset: page.offset, total: page.total, verb: 'mineShow', data: {} });
  }

  return {
    name: 'agreements',
    commands: {
      agreement: async (context) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'agreement.create');
        await postShell(context, turn.locale, { titleKey: 'shell.agreementNew.title', verb: 'agreementNewForm', userIds: [turn.caller.teamsUserId] });
      },
      agreementSummary: async (context, args) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'agreements.summary.read');
        const since = args ? dateField(args) : new Date(todayOf(turn).getTime() - SUMMARY_DEFAULT_DAYS * 86_400_000);
        if (!since) {
          return replyWithCard(context, noticeCard({ title: translate(turn.locale, 'shell.summary.title'), text: translate(turn.locale, 'summary.invalidDate'), color: 'Attention' }));
        }
        await postShell(context, turn.locale, {
          titleKey: 'shell.summary.title',
          verb: 'agreementSummaryShow',
          data: { since: isoDay(since) },
          userIds: await consentedTeamsUserIds(db, turn.group.id),
        });
      },
      mine: async (context) => {
        if (conversationOf(context).conversationType === 'personal') return replyWithCard(context, await mineView(context, undefined, 0));
        const turn = await requireGroupAccess(db, context, 'consented', 'agreements.mine.read');
        await postShell(context, turn.locale, { titleKey: 'shell.mine.title', verb: 'mineShow', userIds: [turn.caller.teamsUserId] });
      },
    },
    actions: {
      mineShow: async (context, data) => {
        // "Show more" on the personal-chat list comes from the personal chat: across all groups again.
        if (conversationOf(context).conversationType === 'personal') return mineView(context, undefined, offsetOf(data.offset));
        return mineView(context, await requireGroupAccess(db, context, 'consented', 'agreements.mine.read'), offsetOf(data.offset));
      },

      agreementSummaryShow: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'agreements.summary.read');
        const since = dateField(data.since) ?? new Date(todayOf(turn).getTime() - SUMMARY_DEFAULT_DAYS * 86_400_000);
        const page = await findAgreementsChangedSince(db, turn.group.id, since, { offset: offsetOf(data.offset), take: PAGE_SIZES.summary });
        await auditRead(db, turn, 'agreements.summary.read', 'ResourceGroup', turn.group.id);
        // The page comes ordered by member, so each member's agreements are one section.
        const sections: Array<{ memberId: string; heading: string; items: typeof page.agreements }> = [];
        for (const agreement of page.agreements) {
          const last = sections[sections.length - 1];
          if (last?.memberId === agreement.responsibleMemberId) last.items.push(agreement);
          else sections.push({ memberId: agreement.responsibleMemberId, heading: agreement.responsible.displayName, items: [agreement] });
        }
        return agreementListCard(turn.locale, 'summary', sections, {
          today: todayOf(turn),
          since,
          offset: page.offset,
          total: page.total,
          verb: 'agreementSummaryShow',
          data: { since: isoDay(since) },
        });
      },

      agreementNewForm: async (context) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'agreement.create');
        return agreementFormCard(turn.locale, await memberChoices(db, turn.group.id), await linkChoices(turn), isoDay(todayOf(turn)));
      },

      agreementCreate: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'agreement.create');
        const members = await memberChoices(db, turn.group.id);
        const linkKey = formValue(data.link);
        const link = linkKey ? await resolvePlanLink(db, turn.group.id, linkKey) : undefined;
        const validation = validateAgreementInput(data, members.map((m) => m.id), link ? { [linkKey]: link } : {}, todayOf(turn));
        if (!validation.ok) {
          const choices = await linkChoices(turn, link ? { key: linkKey, title: link.text } : undefined);
          return agreementFormCard(turn.locale, members, choices, isoDay(todayOf(turn)), data, validation.fieldErrors);
        }
        const agreement = await createAgreement(db, turn.group.id, validation.value, turn.actor, now());
        logger.info('agreement.created', { groupId: turn.group.id, agreementId: agreement.id });
        await announceAgreement(context, turn, agreement.id, 'created');
        return agreementView(turn, agreement.id, { text: translate(turn.locale, 'agreement.saved'), color: 'Good' });
      },

      agreementShow: async (context, data) => {
        const agreementId = formValue(data.agreementId);
        return agreementView(await turnForAgreement(context, agreementId, 'agreement.read'), agreementId, undefined, offsetOf(data.offset), listOriginOf(data));
      },

      agreementChange: async (context, data) => {
        const agreementId = formValue(data.agreementId);
        const turn = await turnForAgreement(context, agreementId, 'agreement.change');
        const fromList = listOriginOf(data);
        const agreement = await findAgreement(db, turn.group.id, agreementId);
        if (!mayChangeAgreement({ memberId: turn.member.id, isCaseManager: turn.member.isCaseManager }, agreement.responsibleMemberId)) {
          await recordAudit(db, { action: 'agreement.change', outcome: 'denied', groupId: turn.group.id, actorMemberId: turn.member.id, actorAadObjectId: turn.caller.aadObjectId, entityType: 'Agreement', entityId: agreement.id, reason: 'forbidden' });
          throw new DomainError('forbidden', {}, 'agreement.refused');
        }
        const members = await memberChoices(db, turn.group.id);
        const validation = validateAgreementChange(data, members.map((m) => m.id), todayOf(turn));
        const version = integerField(data.version, 1, Number.MAX_SAFE_INTEGER) ?? 0;
        if (!validation.ok) {
          const key = Object.values(validation.fieldErrors)[0] ?? '';
          return agreementView(turn, agreementId, { text: translate(turn.locale, isMessageKey(key) ? key : 'error.invalid_input', earliestDateParams(turn.locale, todayOf(turn))), color: 'Warning' }, 0, fromList);
        }
        let outcome;
        try {
          outcome = await changeAgreement(db, turn.group.id, agreementId, version, validation.value, turn.actor, now());
        } catch (error) {
          if (isDomainError(error) && error.code === 'stale_card') {
            return agreementView(turn, agreementId, { text: translate(turn.locale, 'error.stale_card'), color: 'Warning' }, 0, fromList);
          }
          const fieldErrors = fieldErrorsOf(error);
          if (fieldErrors) return agreementView(turn, agreementId, { text: translate(turn.locale, 'agreement.error.finished'), color: 'Warning' }, 0, fromList);
          throw error;
        }
        if (outcome === 'unchanged') return agreementView(turn, agreementId, { text: translate(turn.locale, 'agreement.unchanged'), color: 'Good' }, 0, fromList);
        logger.info('agreement.changed', { groupId: turn.group.id, agreementId, change: validation.value.kind });
        await announceAgreement(context, turn, agreementId, validation.value.kind === 'reassigned' ? 'reassigned' : 'changed');
        return agreementView(turn, agreementId, { text: translate(turn.locale, 'agreement.changed'), color: 'Good' }, 0, fromList);
      },
    },
    searches: {
      // The goal/sub-goal link of the agreement form: the caller's group's plan only.
      planLinks: async (context, query) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'plan.search');
        const limit = query.skip + query.count; // bounded by answerSearch (search.ts)
        const found = await searchGoalsAndSubGoals(db, turn.group.id, query.text, limit);
        await auditRead(db, turn, 'plan.search', 'ResourceGroup', turn.group.id);
        const prefix = translate(turn.locale, 'agreement.form.subGoalPrefix');
        return [
          ...found.goals.map((g) => ({ title: shorten(g.text), value: `goal:${g.id}` })),
          ...found.subGoals.map((s) => ({ title: shorten(`${prefix} ${s.text}`), value: `subgoal:${s.id}` })),
        ].slice(query.skip, limit);
      },
    },
  };
}