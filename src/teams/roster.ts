/**
 * Reads the conversation's members from Teams (team roster in a channel, chat members in a group chat).
 */
import { TeamsInfo, type TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import type { RosterPerson } from '../storage/groups';
import { callerOf } from './context';

const MAX_ROSTER_PAGES = 20;

/**
 * Pages through the members of a conversation (or of a team), up to MAX_ROSTER_PAGES pages; `complete`
 * is false when there were more.
 */
async function pageThroughRoster(context: TurnContext, teamId: string | undefined): Promise<{ people: RosterPerson[]; complete: boolean }> {
  const people: RosterPerson[] = [];
  let continuationToken: string | undefined;
  for (let page = 0; page < MAX_ROSTER_PAGES; page++) {
    const result = teamId
      ? await TeamsInfo.getPagedTeamMembers(context, teamId, 200, continuationToken)
      : await TeamsInfo.getPagedMembers(context, 200, continuationToken);
    for (const member of result.members) people.push({ teamsUserId: member.id, aadObjectId: member.aadObjectId || undefined, name: member.name ?? '' });
    continuationToken = result.continuationToken || undefined;
    if (!continuationToken) return { people, complete: true };
  }
  return { people, complete: false };
}

/**
 * The conversation's members. In a personal chat, or when Teams cannot be asked, only the caller.
 *
 * @example
 *   const people = await readRoster(context, logger);
 */
export async function readRoster(context: TurnContext, logger: Logger): Promise<RosterPerson[]> {
  const caller = callerOf(context);
  if (context.activity.conversation?.conversationType === 'personal') return [caller];
  try {
    const { people } = await pageThroughRoster(context, undefined);
    if (!people.some((person) => person.teamsUserId === caller.teamsUserId)) people.unshift(caller);
    return people;
  } catch (error) {
    logger.warn('roster.unavailable', { errorName: (error as Error)?.name, statusCode: (error as { statusCode?: number })?.statusCode });
    return [caller];
  }
}

/**
 * Every member of a conversation (or of its team, for a channel), or undefined when Teams could not give
 * the whole list: a partial roster must never end anybody's membership.
 *
 * @example
 *   const roster = await readCompleteRoster(context, group.teamId ?? undefined);
 */
export async function readCompleteRoster(context: TurnContext, teamId: string | undefined): Promise<RosterPerson[] | undefined> {
  const { people, complete } = await pageThroughRoster(context, teamId);
  return complete ? people : undefined;
}
