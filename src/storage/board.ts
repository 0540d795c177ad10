/**
 * Persistence of the FACT board: entries (on and off, with why and by whom; a person can be on and off
 * several times), what the board shows of each group, and the team's board settings. Every change is
 * audited in its transaction, without the text.
 */
import { OPEN_AGREEMENT_STATUSES } from '../domain/agreements';
import type { BoardEntryInput, BoardSettingsInput } from '../domain/board';
import { DomainError } from '../domain/errors';
import { recordChange } from './audit';
import { isUniqueViolation, type Db } from './database';
import { consentedMemberWhere, type Actor } from './members';
import { markTeamBoardForReplanning, restartSweep } from './planning';

/** How many open agreements and goal updates each entry of the board lists (the rest are counted). */
export const BOARD_AGREEMENTS_SHOWN = 2;
export const BOARD_GOAL_UPDATES_SHOWN = 2;

/** The FACT groups of a Teams team. */
export function findFactGroupsOfTeam(db: Db, teamId: string) {
  return db.resourceGroup.findMany({ where: { teamId, caseManagementModel: 'FACT' }, orderBy: { createdAt: 'asc' } });
}

/** The caller's current memberships (by Entra object id) of some groups, consented or not. */
export function findMembershipsOf(db: Db, aadObjectId: string | undefined, groupIds: readonly string[]) {
  if (!aadObjectId || groupIds.length === 0) return Promise.resolve([]);
  return db.member.findMany({ where: { aadObjectId, removedAt: null, groupId: { in: [...groupIds] } } });
}

/** The teams of a person's FACT groups where they are a current member (for `tavla` in personal chat). */
export async function findFactTeamsOf(db: Db, aadObjectId: string | undefined): Promise<string[]> {
  if (!aadObjectId) return [];
  const memberships = await db.member.findMany({
    where: { aadObjectId, removedAt: null, group: { caseManagementModel: 'FACT', teamId: { not: null } } },
    select: { group: { select: { teamId: true } } },
    orderBy: { createdAt: 'asc' },
  });
  return [...new Set(memberships.map((m) => m.group.teamId!))];
}

/** The teams of the channel-bound FACT groups where a person is a current member with consent (a group chat may join one). */
export async function findConsentedFactTeamsOf(db: Db, aadObjectId: string | undefined): Promise<string[]> {
  if (!aadObjectId) return [];
  const memberships = await db.member.findMany({
    where: { aadObjectId, removedAt: null, ...consentedMemberWhere(db), group: { caseManagementModel: 'FACT', conversationType: 'channel', teamId: { not: null } } },
    select: { group: { select: { teamId: true } } },
    orderBy: { createdAt: 'asc' },
  });
  return [...new Set(memberships.map((m) => m.group.teamId!))];
}

/** The group's entry on the board now, if any. */
export function findCurrentBoardEntry(db: Db, groupId: string) {
  return db.boardEntry.findFirst({ where: { groupId, removedAt: null }, orderBy: { placedAt: 'desc' } });
}

/**
 * Puts the group's individual on the board; `duplicate` when they are on it already. Audited as
 * `board.add`, in the same transaction. The current entry carries `currentGroupId` (unique), so of two
 * adds at once (two members pressing, a redelivery racing its original) the database lets one insert;
 * the other's unique violation becomes the same `duplicate`.
 */
export async function placeOnBoard(db: Db, groupId: string, input: BoardEntryInput, actor: Actor, now: Date) {
  try {
    return await db.$transaction(async (tx) => {
      const current = await tx.boardEntry.findFirst({ where: { groupId, removedAt: null }, select: { id: true } });
      if (current) throw new DomainError('duplicate', {}, 'board.alreadyOn');
      const entry = await tx.boardEntry.create({
        data: {
          groupId,
          currentGroupId: groupId,
          placedAt: now,
          placedByMemberId: actor.memberId,
          reasonCode: input.reasonCode,
          reasonText: input.reasonText,
          interventions: input.interventions,
        },
      });
      await recordChange(tx, 'board.add', groupId, actor, 'BoardEntry', entry.id, now);
      return entry;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('duplicate', {}, 'board.alreadyOn');
    throw error;
  }
}

/**
 * Takes the group's individual off the board (a guarded update: of two at once, one takes them off).
 * `not_on_board` when they were not on it. Audited as `board.remove`.
 */
export async function takeOffBoard(db: Db, groupId: string, note: string, actor: Actor, now: Date): Promise<'removed' | 'not_on_board'> {
  return db.$transaction(async (tx) => {
    const current = await tx.boardEntry.findFirst({ where: { groupId, removedAt: null }, select: { id: true } });
    if (!current) return 'not_on_board';
    const taken = await tx.boardEntry.updateMany({ where: { id: current.id, removedAt: null }, data: { removedAt: now, removedByMemberId: actor.memberId, removalNote: note, currentGroupId: null } });
    if (taken.count !== 1) return 'not_on_board';
    await recordChange(tx, 'board.remove', groupId, actor, 'BoardEntry', current.id, now);
    return 'removed';
  });
}

/** The group's board history, newest first: on and off, when, why, by whom. */
export async function listBoardHistory(db: Db, groupId: string, take = 20) {
  const entries = await db.boardEntry.findMany({ where: { groupId }, orderBy: { placedAt: 'desc' }, take });
  const memberIds = [...new Set(entries.flatMap((e) => [e.placedByMemberId, e.removedByMemberId]).filter((id): id is string => Boolean(id)))];
  const names = new Map((await db.member.findMany({ where: { id: { in: memberIds } }, select: { id: true, displayName: true } })).map((m) => [m.id, m.displayName]));
  return entries.map((e) => ({ ...e, placedBy: e.placedByMemberId ? (names.get(e.placedByMemberId) ?? null) : null, removedBy: e.removedByMemberId ? (names.get(e.removedByMemberId) ?? null) : null }));
}

/** The current entries of the groups given (those the viewer may see), with each group's alias and time zone. */
export function findBoardEntries(db: Db, groupIds: readonly string[]) {
  if (groupIds.length === 0) return Promise.resolve([]);
  return db.boardEntry.findMany({
    where: { groupId: { in: [...groupIds] }, removedAt: null },
    orderBy: { placedAt: 'asc' },
    include: { group: { select: { id: true, individualAlias: true, timeZone: true } } },
  });
}

/**
 * What the board shows of each entry on a page: the open agreements (count and the next ones), those
 * dated today, and the latest goal updates. Read for the page only, never for the whole board.
 */
export async function findBoardDetails<T extends { id: string; groupId: string }>(db: Db, entries: readonly T[], today: Date) {
  return Promise.all(
    entries.map(async (entry) => {
      const open = { groupId: entry.groupId, status: { in: [...OPEN_AGREEMENT_STATUSES] } };
      const [agreementCount, agreements, todays, goalUpdates] = await Promise.all([
        db.agreement.count({ where: open }),
        db.agreement.findMany({ where: open, orderBy: { dueDate: 'asc' }, take: BOARD_AGREEMENTS_SHOWN, select: { what: true, dueDate: true, responsible: { select: { displayName: true } } } }),
        db.agreement.findMany({ where: { ...open, dueDate: today }, take: 5, select: { what: true, responsible: { select: { displayName: true } } } }),
        db.goalUpdate.findMany({
          where: { goal: { groupId: entry.groupId }, subGoalId: null },
          orderBy: { createdAt: 'desc' },
          take: BOARD_GOAL_UPDATES_SHOWN,
          select: { status: true, progress: true, createdAt: true, goal: { select: { text: true } } },
        }),
      ]);
      return { entry, agreementCount, agreements, todays, goalUpdates };
    }),
  );
}

/** How many are on the board now across the groups. */
export function countOnBoard(db: Db, groupIds: readonly string[]) {
  if (groupIds.length === 0) return Promise.resolve(0);
  return db.boardEntry.count({ where: { groupId: { in: [...groupIds] }, removedAt: null } });
}

/** Stays on the board of the groups since a moment (or still on it), for the statistics. */
export function findBoardStaysSince(db: Db, groupIds: readonly string[], since: Date) {
  if (groupIds.length === 0) return Promise.resolve([]);
  return db.boardEntry.findMany({
    where: { groupId: { in: [...groupIds] }, OR: [{ removedAt: null }, { removedAt: { gte: since } }] },
    select: { placedAt: true, removedAt: true },
  });
}

/**
 * Teams user ids of current members with consent of the groups on the board: those whose clients
 * refresh the daily card into their own view. At most `take`, case managers first.
 */
export async function consentedTeamsUserIdsOfGroups(db: Db, groupIds: readonly string[], take: number): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const members = await db.member.findMany({
    where: { groupId: { in: [...groupIds] }, removedAt: null, teamsUserId: { not: null }, ...consentedMemberWhere(db) },
    orderBy: [{ isCaseManager: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }],
    select: { teamsUserId: true },
  });
  return [...new Set(members.map((m) => m.teamsUserId!))].slice(0, take);
}

/** The team's board settings, or null when nobody has set them (defaults apply). */
export function findBoardTeam(db: Db, teamId: string) {
  return db.boardTeam.findUnique({ where: { teamId } });
}

/**
 * Chooses the channel the daily board card goes to (`tavla här`). Audited as `board.channel` against
 * the case manager's group.
 */
export async function setBoardChannel(db: Db, team: { teamId: string; tenantId?: string; teamName?: string }, channelConversationId: string, groupId: string, actor: Actor, now: Date) {
  await db.$transaction(async (tx) => {
    await tx.boardTeam.upsert({
      where: { teamId: team.teamId },
      create: { teamId: team.teamId, tenantId: team.tenantId ?? null, teamName: team.teamName ?? null, channelConversationId, channelSetAt: now, channelSetByMemberId: actor.memberId },
      update: { channelConversationId, channelSetAt: now, channelSetByMemberId: actor.memberId, ...(team.teamName ? { teamName: team.teamName } : {}) },
    });
    await restartSweep(tx, 'board_daily');
    await recordChange(tx, 'board.channel', groupId, actor, 'BoardTeam', team.teamId, now);
  });
}

/** The teams' names as Teams gave them (where known), for choosing a team. */
export async function findTeamNames(db: Db, teamIds: readonly string[]): Promise<Map<string, string | null>> {
  const teams = teamIds.length === 0 ? [] : await db.boardTeam.findMany({ where: { teamId: { in: [...teamIds] } }, select: { teamId: true, teamName: true } });
  return new Map(teams.map((t) => [t.teamId, t.teamName]));
}

/** Assigns a group (a group chat) to a FACT team, so it is on that team's board. Audited as `board.team`. */
export async function assignGroupToTeam(db: Db, groupId: string, teamId: string, actor: Actor, now: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.resourceGroup.update({ where: { id: groupId }, data: { teamId } });
    // The team's "ask after" day applies to the group's stay on the board now.
    await tx.boardEntry.updateMany({ where: { groupId, removedAt: null }, data: { remindersPlan: 0 } });
    await recordChange(tx, 'board.team', groupId, actor, 'ResourceGroup', groupId, now);
  });
}

/** Saves the team's daily card time, on/off, and days before the question. Audited as `board.settings`. */
export async function saveBoardSettings(db: Db, teamId: string, settings: BoardSettingsInput, groupId: string, actor: Actor, now: Date) {
  await db.$transaction(async (tx) => {
    await tx.boardTeam.upsert({ where: { teamId }, create: { teamId, ...settings }, update: settings });
    // A new "ask after" day moves the questions not yet asked (the planning sweep).
    await markTeamBoardForReplanning(tx, teamId);
    await restartSweep(tx, 'board_daily');
    await recordChange(tx, 'board.settings', groupId, actor, 'BoardTeam', teamId, now);
  });
}
