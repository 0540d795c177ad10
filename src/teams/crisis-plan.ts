import type { TurnContext } from 'botbuilder';
import { crisisPlanCard, crisisPlanChoiceCard, crisisPlanFormCard, crisisPlanLinkCard, crisisPlanSectionCard, crisisPlanVersionCard, crisisPlanVersionsCard, CRISIS_PLAN_PAGE_SIZES } from '../cards/crisis-plan';
import { formValue } from '../cards/format';
import { noticeCard } from '../cards/notice';
import { offsetOf } from '../cards/paging';
import {
  CRISIS_PLAN_SECTIONS,
  crisisPlanRefusal,
  diffVersions,
  emptyCrisisPlan,
  mayEditCrisisPlan,
  mayReviewCrisisPlan,
  reviewDueAt,
  validateCrisisPlanSection,
  type CrisisPlanContent,
  type CrisisPlanSection,
} from '../domain/crisis-plan';
import { DomainError, isDomainError } from '../domain/errors';
import { choiceField, integerField } from '../domain/forms';
import type { Locale } from '../domain/locale';
import { translate } from '../locales';
import {
  findCrisisPlan,
  findCrisisPlanGroupsOf,
  findCrisisPlanVersion,
  listCrisisPlanVersions,
  markCrisisPlanReviewed,
  saveCrisisPlanSection,
  UnreadableCrisisPlanError,
  type StoredCrisisPlan,
} from '../storage/crisis-plans';
import { callerOf, conversationOf, localeOf } from './context';
import type { BotDeps, Feature } from './feature';
import { announce, auditRead, auditRefusal, groupLocale, requireAccessToGroup, requireGroupAccess, type Group, type GroupTurn } from './group-context';
import { replyWithCard } from './send';
import { groupOfTurn } from './turn';

/** How many of the caller's groups the personal-chat lookup offers as buttons. */
const CHOICES_SHOWN = 10;

/** The plan a new group starts from: nothing written, the out-of-hours services offered in the group's language. */
function newPlanContent(group: Group): CrisisPlanContent {
  const locale = groupLocale(group);
  return emptyCrisisPlan({
    psychiatricEmergency: translate(locale, 'crisisPlan.default.psychiatricEmergency'),
    emergency: translate(locale, 'crisisPlan.default.emergency'),
    healthGuide: translate(locale, 'crisisPlan.default.healthGuide'),
  });
}

/**
 * `krisplan` / `crisis plan`: the crisis plan, found in seconds by those the individual allows and by
 * nobody else. What is posted where others read it names nothing and never refreshes by itself; the plan
 * is shown only to the entitled member who pressed (an invoke answer only they see) or in their personal
 * chat. Every look, allowed or refused, and every change is in the audit log, without content.
 */
export function crisisPlanFeature(deps: BotDeps): Feature {
  const { db, logger, now } = deps;

  /**
   * The caller's access to a group's crisis plan: the group named by the card (personal chat, a card
   * inserted elsewhere) or the conversation's; membership from the caller's identity, never the data.
   * A member the individual has not given the plan is refused, audited with the reason.
   */
  async function requireCrisisPlanReader(context: TurnContext, data: Record<string, unknown>, action: string): Promise<GroupTurn> {
    const groupId = formValue(data.groupId);
    let turn: GroupTurn;
    if (groupId) {
      // Usually the card's group is the conversation's, which the tenant fence has read this turn.
      const here = await groupOfTurn(db, context);
      const group = here?.id === groupId ? here : await db.resourceGroup.findUnique({ where: { id: groupId } });
      if (!group) throw new DomainError('not_found');
      turn = await requireAccessToGroup(db, context, group, 'consented', action);
    } else {
      turn = await requireGroupAccess(db, context, 'consented', action);
    }
    const refusal = crisisPlanRefusal(turn.member);
    if (refusal) {
      await auditRefusal(db, turn, action, refusal);
      throw new DomainError(refusal);
    }
    return turn;
  }

  const sectionOf = (value: unknown): CrisisPlanSection => {
    const section = choiceField(value, CRISIS_PLAN_SECTIONS);
    if (!section) throw new DomainError('invalid_input');
    return section;
  };

  /** A plan whose newest version cannot be read: logged by version id, and said on the card (it shows as empty). */
  function unreadableNotice(turn: GroupTurn, plan: StoredCrisisPlan | null): { text: string; color: 'Warning' } | undefined {
    if (!plan?.unreadableVersionId) return undefined;
    logger.error('crisisplan.version_unreadable', { groupId: turn.group.id, versionId: plan.unreadableVersionId });
    return { text: translate(turn.locale, 'error.unreadable_plan'), color: 'Warning' };
  }

  async function planView(turn: GroupTurn, notice?: { text: string; color: 'Good' | 'Warning' }) {
    const plan = await findCrisisPlan(db, turn.group.id);
    await auditRead(db, turn, 'crisisplan.read', plan ? 'CrisisPlan' : 'ResourceGroup', plan?.id ?? turn.group.id);
    notice = unreadableNotice(turn, plan) ?? notice;
    return crisisPlanCard(turn.locale, {
      groupId: turn.group.id,
      alias: turn.group.individualAlias,
      timeZone: turn.group.timeZone,
      now: now(),
      plan,
      content: plan?.content ?? newPlanContent(turn.group),
      reviewDue: plan ? reviewDueAt(plan, plan.changedAt) : undefined,
      can: { review: mayReviewCrisisPlan(turn.member) },
      notice: notice?.text,
      noticeColor: notice?.color,
    });
  }

  async function sectionView(turn: GroupTurn, section: CrisisPlanSection, offset = 0, notice?: { text: string; color: 'Good' | 'Warning' }, plan?: StoredCrisisPlan | null) {
    const found = plan === undefined ? await findCrisisPlan(db, turn.group.id) : plan;
    await auditRead(db, turn, 'crisisplan.section.read', found ? 'CrisisPlan' : 'ResourceGroup', found?.id ?? turn.group.id);
    notice = unreadableNotice(turn, found) ?? notice;
    return crisisPlanSectionCard(turn.locale, {
      groupId: turn.group.id,
      alias: turn.group.individualAlias,
      section,
      content: found?.content ?? newPlanContent(turn.group),
      offset,
      canEdit: mayEditCrisisPlan(turn.member),
      notice: notice?.text,
      noticeColor: notice?.color,
    });
  }

  /** Refuses, audited, a change by a reader who may only read (a relative given the plan). */
  async function refuseChange(turn: GroupTurn, action: string, messageKey: 'crisisPlan.error.mayNotEdit' | 'crisisPlan.error.mayNotReview'): Promise<never> {
    await auditRefusal(db, turn, action, 'forbidden');
    throw new DomainError('forbidden', {}, messageKey);
  }

  /**
   * Tells the group the plan changed or was reviewed, without a word of it: a post that opens the plan
   * only on an entitled member's press, and never refreshes into anyone's view by itself.
   */
  const announcePlan = (context: TurnContext, turn: GroupTurn, planId: string, kind: 'changed' | 'reviewed') =>
    announce(deps, context, turn, {
      entity: { type: 'CrisisPlan', id: planId },
      titleKey: kind === 'changed' ? 'crisisPlan.announce.changed' : 'crisisPlan.announce.reviewed',
      verb: 'crisisPlanShow',
      data: { groupId: turn.group.id },
      // A changed plan is news for everyone who may have to act on it; a review only updates the post.
      kind: kind === 'changed' ? 'new' : 'update',
      refresh: false,
      privacyKey: 'crisisPlan.link.privacy',
      showKey: 'crisisPlan.open',
    });

  /** `krisplan` in personal chat: the caller's groups whose plan they may read (by alias when args are typed). */
  async function lookUpInPersonalChat(context: TurnContext, aliasQuery: string) {
    const locale: Locale = localeOf(context);
    const { aadObjectId } = callerOf(context);
    const groups = aadObjectId ? await findCrisisPlanGroupsOf(db, aadObjectId, aliasQuery || undefined, CHOICES_SHOWN + 1) : [];
    if (groups.length === 0) {
      return replyWithCard(context, noticeCard({ title: translate(locale, 'crisisPlan.title'), text: translate(locale, 'crisisPlan.none'), color: 'Default' }));
    }
    if (groups.length === 1) {
      const group = await db.resourceGroup.findUniqueOrThrow({ where: { id: groups[0]!.groupId } });
      const turn = await requireAccessToGroup(db, context, group, 'consented', 'crisisplan.read');
      // A typed command is a person asking: the access log records it as opened by hand.
      turn.caller.trigger = 'manual';
      if (crisisPlanRefusal(turn.member)) throw new DomainError('no_crisis_plan_access');
      return replyWithCard(context, await planView(turn));
    }
    return replyWithCard(context, crisisPlanChoiceCard(locale, groups.slice(0, CHOICES_SHOWN), groups.length > CHOICES_SHOWN));
  }

  return {
    name: 'crisisPlan',
    commands: {
      crisisPlan: async (context, args) => {
        if (conversationOf(context).conversationType === 'personal') return lookUpInPersonalChat(context, args);
        // The post carries nothing of the plan; it is posted for any member with consent, and whoever
        // presses it is checked then. Others in the conversation get the neutral refusal.
        const turn = await requireGroupAccess(db, context, 'consented', 'crisisplan.read');
        await replyWithCard(context, crisisPlanLinkCard(turn.locale, turn.group.id), translate(turn.locale, 'shell.summary'));
      },
    },
    actions: {
      crisisPlanShow: async (context, data) => planView(await requireCrisisPlanReader(context, data, 'crisisplan.read')),

      crisisPlanSection: async (context, data) => {
        const turn = await requireCrisisPlanReader(context, data, 'crisisplan.section.read');
        return sectionView(turn, sectionOf(data.section), offsetOf(data.offset));
      },

      crisisPlanVersions: async (context, data) => {
        const turn = await requireCrisisPlanReader(context, data, 'crisisplan.versions.read');
        const plan = await db.crisisPlan.findUnique({ where: { groupId: turn.group.id }, select: { id: true } });
        const page = plan ? await listCrisisPlanVersions(db, plan.id, offsetOf(data.offset), CRISIS_PLAN_PAGE_SIZES.versions) : { versions: [], offset: 0, total: 0 };
        await auditRead(db, turn, 'crisisplan.versions.read', plan ? 'CrisisPlan' : 'ResourceGroup', plan?.id ?? turn.group.id);
        return crisisPlanVersionsCard(turn.locale, { groupId: turn.group.id, alias: turn.group.individualAlias, timeZone: turn.group.timeZone, ...page });
      },

      crisisPlanVersion: async (context, data) => {
        const turn = await requireCrisisPlanReader(context, data, 'crisisplan.version.read');
        const plan = await db.crisisPlan.findUnique({ where: { groupId: turn.group.id }, select: { id: true, currentVersion: true } });
        const number = integerField(data.version, 1, Number.MAX_SAFE_INTEGER);
        if (!plan || !number) throw new DomainError('not_found');
        const version = await findCrisisPlanVersion(db, plan.id, number);
        await auditRead(db, turn, 'crisisplan.version.read', 'CrisisPlanVersion', version.id);
        return crisisPlanVersionCard(turn.locale, {
          groupId: turn.group.id,
          alias: turn.group.individualAlias,
          timeZone: turn.group.timeZone,
          version: version.version,
          section: version.section,
          author: version.author,
          createdAt: version.createdAt,
          diffs: version.previous ? diffVersions(version.previous, version.content) : null,
          currentVersion: plan.currentVersion,
        });
      },

      crisisPlanEditForm: async (context, data) => {
        // The form shows the section as it is: a read of it.
        const turn = await requireCrisisPlanReader(context, data, 'crisisplan.section.read');
        const section = sectionOf(data.section);
        if (!mayEditCrisisPlan(turn.member)) await refuseChange(turn, 'crisisplan.change', 'crisisPlan.error.mayNotEdit');
        const plan = await findCrisisPlan(db, turn.group.id);
        await auditRead(db, turn, 'crisisplan.section.read', plan ? 'CrisisPlan' : 'ResourceGroup', plan?.id ?? turn.group.id);
        return crisisPlanFormCard(turn.locale, {
          groupId: turn.group.id,
          alias: turn.group.individualAlias,
          section,
          version: plan?.currentVersion ?? 0,
          content: plan?.content ?? newPlanContent(turn.group),
        });
      },

      crisisPlanSave: async (context, data) => {
        const turn = await requireCrisisPlanReader(context, data, 'crisisplan.change');
        const section = sectionOf(data.section);
        if (!mayEditCrisisPlan(turn.member)) await refuseChange(turn, 'crisisplan.change', 'crisisPlan.error.mayNotEdit');
        const version = integerField(data.version, 0, Number.MAX_SAFE_INTEGER) ?? -1;
        const validation = validateCrisisPlanSection(section, data);
        if (!validation.ok) {
          // The same form again, at the version it was made from, so that a correction cannot overwrite
          // a change someone else saved in between. Its content was the presser's own typing: no read.
          return crisisPlanFormCard(turn.locale, {
            groupId: turn.group.id,
            alias: turn.group.individualAlias,
            section,
            version,
            content: newPlanContent(turn.group),
            submitted: data,
            fieldErrors: validation.fieldErrors,
            lines: validation.lines,
          });
        }
        let saved;
        try {
          saved = await saveCrisisPlanSection(db, turn.group.id, version, section, validation.values, newPlanContent(turn.group), turn.actor, now());
        } catch (error) {
          if (isDomainError(error) && error.code === 'stale_card') {
            logger.info('crisisplan.change.stale', { groupId: turn.group.id, section });
            return sectionView(turn, section, 0, { text: translate(turn.locale, 'error.stale_card'), color: 'Warning' });
          }
          if (error instanceof UnreadableCrisisPlanError) {
            logger.error('crisisplan.version_unreadable', { groupId: turn.group.id, versionId: error.versionId, refused: 'save' });
            return sectionView(turn, section, 0, { text: translate(turn.locale, 'error.unreadable_plan'), color: 'Warning' });
          }
          throw error;
        }
        if (saved.outcome === 'unchanged') return sectionView(turn, section, 0, { text: translate(turn.locale, 'crisisPlan.unchanged'), color: 'Good' });
        logger.info('crisisplan.changed', { groupId: turn.group.id, section, version: saved.version });
        await announcePlan(context, turn, saved.planId, 'changed');
        return sectionView(turn, section, 0, { text: translate(turn.locale, 'crisisPlan.saved', { version: saved.version }), color: 'Good' });
      },

      crisisPlanReview: async (context, data) => {
        const turn = await requireCrisisPlanReader(context, data, 'crisisplan.review');
        if (!mayReviewCrisisPlan(turn.member)) await refuseChange(turn, 'crisisplan.review', 'crisisPlan.error.mayNotReview');
        const version = integerField(data.version, 1, Number.MAX_SAFE_INTEGER) ?? -1;
        try {
          await markCrisisPlanReviewed(db, turn.group.id, version, turn.actor, now());
        } catch (error) {
          if (isDomainError(error) && error.code === 'stale_card') return planView(turn, { text: translate(turn.locale, 'error.stale_card'), color: 'Warning' });
          throw error;
        }
        logger.info('crisisplan.reviewed', { groupId: turn.group.id });
        const plan = await db.crisisPlan.findUniqueOrThrow({ where: { groupId: turn.group.id }, select: { id: true } });
        await announcePlan(context, turn, plan.id, 'reviewed');
        return planView(turn, { text: translate(turn.locale, 'crisisPlan.reviewed'), color: 'Good' });
      },
    },
  };
}
