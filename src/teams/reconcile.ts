/**
 * Memberships reconciled against each conversation's roster. A `membersRemoved` event can be missed (the
 * bot was down, the activity failed for good); so, at start and then every ROSTER_RECONCILE_MINUTES (at
 * most an hour), each group's members are compared with who is really in its team or chat, and anyone
 * who left loses access. A missed departure therefore leaves access open for at most that interval.
 */
import type { ConversationReference } from 'botbuilder';
import type { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import type { Logger } from '../logger';
import { findGroupConversations, markRosterChecked } from '../storage/conversations';
import type { Db } from '../storage/database';
import { endMembershipsMissingFromRoster } from '../storage/members';
import { isSendFailure } from './outbound';
import { readCompleteRoster } from './roster';

/** Groups read per database page. */
const PAGE_SIZE = 100;

export interface ReconcileResult {
  groupsChecked: number;
  groupsSkipped: number;
  membershipsEnded: number;
}

export interface ReconcileDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  adapter: TeamsAdapter;
  appId: string;
}

/**
 * Reconciles every group in a channel or group chat. A group whose roster cannot be read completely
 * (403, network, too many pages) is skipped and keeps its members until the next run.
 *
 * @example
 *   const { membershipsEnded } = await reconcileMemberships({ db, logger, now, adapter, appId });
 */
export async function reconcileMemberships(deps: ReconcileDeps): Promise<ReconcileResult> {
  const { db, logger } = deps;
  const result: ReconcileResult = { groupsChecked: 0, groupsSkipped: 0, membershipsEnded: 0 };
  let after: string | undefined;
  for (;;) {
    const page = await findGroupConversations(db, after, PAGE_SIZE);
    for (const { groupId, teamId, reference } of page.items) {
      let roster: Awaited<ReturnType<typeof readCompleteRoster>>;
      await deps.adapter.continueConversationAsync(deps.appId, reference.reference as Partial<ConversationReference>, async (context) => {
        try {
          roster = await readCompleteRoster(context, teamId ?? undefined);
        } catch (error) {
          logger.warn('roster.reconcile.unavailable', { groupId, sendFailure: isSendFailure(error) ? error.kind : 'error' });
        }
      });
      await markRosterChecked(db, reference.conversationId, deps.now());
      if (!roster || roster.length === 0) {
        result.groupsSkipped++;
        continue;
      }
      result.groupsChecked++;
      const ended = await endMembershipsMissingFromRoster(db, { id: groupId, conversationId: reference.conversationId }, new Set(roster.map((p) => p.teamsUserId)), deps.now());
      result.membershipsEnded += ended;
      if (ended > 0) logger.info('roster.reconcile.ended', { groupId, membershipsEnded: ended });
    }
    if (!page.lastGroupId) break;
    after = page.lastGroupId;
  }
  logger.info('roster.reconciled', { ...result });
  return result;
}
