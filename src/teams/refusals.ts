/**
 * Refusals that say nothing in public. In a group's channel or chat everyone reads the bot's replies,
 * so "you are not a member" or "the individual's consent to share with you is not recorded" would tell
 * them something about the person and the group. There the bot answers neutrally; the reason goes to
 * the person alone: as the answer to their own press of "Why?" (an invoke answer only they see) or in
 * their personal chat with the bot.
 */
import type { TurnContext } from 'botbuilder';
import { formatDateTime } from '../cards/format';
import { neutralRefusalCard, noticeCard } from '../cards/notice';
import type { AdaptiveCardJson } from '../cards/render';
import type { ErrorCode } from '../domain/errors';
import type { Locale } from '../domain/locale';
import { accessRefusal, type AccessNeed } from '../domain/members';
import { translate } from '../locales';
import { findMemberByCaller } from '../storage/access';
import { findRecentRefusalsOf } from '../storage/audit';
import { callerOf, conversationOf, localeOf } from './context';
import type { BotDeps, Feature } from './feature';
import { replyWithCard } from './send';
import { groupOfTurn } from './turn';

/** The refusals whose reason is about the caller's place in the group: neutral in a shared conversation. */
export const ACCESS_REFUSALS = ['not_a_member', 'no_consent', 'forbidden'] as const satisfies readonly ErrorCode[];

/** How far back personal chat explains a refusal. */
const RECENT_REFUSAL_MS = 24 * 3_600_000;
const RECENT_REFUSALS_SHOWN = 3;

/** Whether an error code is an access refusal that must stay neutral where others read it. */
export function isAccessRefusal(code: ErrorCode): code is (typeof ACCESS_REFUSALS)[number] {
  return (ACCESS_REFUSALS as readonly ErrorCode[]).includes(code);
}

/** Whether replies in this turn are read by others than the caller (a channel or group chat). */
export function isSharedConversation(context: TurnContext): boolean {
  return conversationOf(context).conversationType !== 'personal';
}

/** The neutral refusal card for an access refusal in a shared conversation. */
export function neutralRefusalFor(locale: Locale, code: (typeof ACCESS_REFUSALS)[number]): AdaptiveCardJson {
  return neutralRefusalCard(locale, code === 'forbidden' ? 'manage' : 'view');
}

/**
 * In personal chat, after help or an unknown text: why the caller was refused in the last day, if they
 * were (without naming the group: the reason is about the caller, not the individual).
 */
export async function replyWithRecentRefusals(deps: BotDeps, context: TurnContext): Promise<void> {
  const { aadObjectId } = callerOf(context);
  if (isSharedConversation(context) || !aadObjectId) return;
  const refusals = await findRecentRefusalsOf(deps.db, aadObjectId, ACCESS_REFUSALS, new Date(deps.now().getTime() - RECENT_REFUSAL_MS), RECENT_REFUSALS_SHOWN);
  if (refusals.length === 0) return;
  const locale = localeOf(context);
  const lines = refusals.map((r) =>
    translate(locale, 'refusal.recent.line', {
      time: formatDateTime(r.at, locale, deps.config.defaultTimeZone),
      reason: translate(locale, `error.${r.reason as (typeof ACCESS_REFUSALS)[number]}`),
    }),
  );
  await replyWithCard(context, noticeCard({ title: translate(locale, 'refusal.recent.title'), text: lines.join('\n\n'), color: 'Default' }));
}

/** `accessExplain`: the private answer to "Why?" under a neutral refusal, from the presser's own identity. */
export function refusalsFeature(deps: BotDeps): Feature {
  return {
    name: 'refusals',
    actions: {
      accessExplain: async (context, data) => {
        const locale = localeOf(context);
        const group = await groupOfTurn(deps.db, context);
        if (!group) return translate(locale, 'error.not_a_group');
        const need: AccessNeed = data.ask === 'manage' ? 'caseManager' : 'consented';
        const refusal = accessRefusal(await findMemberByCaller(deps.db, group.id, callerOf(context)), need);
        return translate(locale, refusal ? `error.${refusal}` : 'refusal.allowedNow');
      },
    },
  };
}
