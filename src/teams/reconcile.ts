/**
 * Memberships reconciled against each conversation's roster. A `membersRemoved` event can be missed (the
 * bot was down, the activity failed for good); so each group's members are compared with who is really
 * in its team or chat at least every ROSTER_RECONCILE_MINUTES (at most an hour), and anyone who left
 * loses access. A missed departure therefore leaves access open for at most about that interval.
 *
 * Bounded at any number of groups: each run claims the groups that are due, a batch at a time (the
 * claim is shared by every process, so each group is checked by one), and stops after a time budget;
 * the next run goes on where the due groups are.
 */
import type { ConversationReference } from 'botbuilder';
import type { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import type { Logger } from '../logger';
import { claimRosterChecks } from '../storage/conversations';
import type { Db } from '../storage/database';
import { endMembershipsMissingFromRoster } from '../storage/members';
import { isSendFailure } from './outbound';
import { readCompleteRoster } from './roster';

/** Groups claimed per batch. */
const BATCH_SIZE = 20;

export interface ReconcileResult {
  groupsChecked: number;
  groupsSkipped: number;
  membershipsEnded: number;
  /** Whether due groups were left when the run's time budget ran out. */
  more: boolean;
}

export interface ReconcileOptions {
  /** Groups last checked before this (or never) are due. */
  dueBefore: Date;
  /** The run stops claiming after this long (the batch in progress finishes). */
  budgetMs: number;
}

export interface ReconcileDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  adapter: TeamsAdapter;
  appId: string;
}

/**
 * Reconciles the groups in a channel or group chat whose roster is due, until none is due or the
 * budget is spent. A group whose roster cannot be read completely (403, network, too many pages) is
 * skipped and keeps its members until its next check.
 *
 * @example
 *   const { membershipsEnded, more } = await reconcileMemberships({ db, logger, now, adapter, appId }, { dueBefore, budgetMs: 30_000 });
 */
export async function reconcileMemberships(deps: ReconcileDeps, options: ReconcileOptions): Promise<ReconcileResult> {
  const { db, logger } = deps;
  const result: ReconcileResult = { groupsChecked: 0, groupsSkipped: 0, membershipsEnded: 0, more: false };
  const started = performance.now();
  // A group this run checked is not due again in the same run, whatever dueBefore says.
  const startedAt = deps.now();
  const dueBefore = options.dueBefore.getTime() < startedAt.getTime() ? options.dueBefore : startedAt;
  for (;;) {
    if (performance.now() - started > options.budgetMs) {
      result.more = true;
      break;
    }
    const { claimed, checks } = await claimRosterChecks(db, dueBefore, deps.now(), BATCH_SIZE);
    if (claimed === 0) break;
    // Claimed without a reachable conversation: nothing to read the roster through.
    result.groupsSkipped += claimed - checks.length;
    for (const { groupId, teamId, reference } of checks) {
      let roster: Awaited<ReturnType<typeof readCompleteRoster>> | undefined;
      try {
        await deps.adapter.continueConversationAsync(deps.appId, reference.reference as Partial<ConversationReference>, async (context) => {
          roster = await readCompleteRoster(context, teamId ?? undefined);
        });
      } catch (error) {
        logger.warn('roster.reconcile.unavailable', { groupId, sendFailure: isSendFailure(error) ? error.kind : 'error' });
      }
      if (!roster || roster.length === 0) {
        result.groupsSkipped++;
        continue;
      }
      result.groupsChecked++;
      const ended = await endMembershipsMissingFromRoster(db, { id: groupId, conversationId: reference.conversationId }, new Set(roster.map((p) => p.teamsUserId)), deps.now());
      result.membershipsEnded += ended;
      if (ended > 0) logger.info('roster.reconcile.ended', { groupId, membershipsEnded: ended });
    }
  }
  if (result.groupsChecked + result.groupsSkipped > 0) logger.info('roster.reconciled', { ...result });
  return result;
}
