/**
 * Reading the audit log for the access log (`logg`) and the log extract: a group's entries filtered by
 * what and by member, a page at a time, and the people and conversations those entries name. Reads
 * only: the audit log is append-only (storage/audit.ts) and kept whatever else is deleted.
 */
import { EXTRACT_PREFIXES, LOG_FILTER_PREFIXES, OTHER_READ_ACTIONS, READ_SUFFIXES, type LogFilter } from '../domain/audit-log';
import type { Db } from './database';
import { clampOffset } from './goals';

/** An audit entry as the log shows it. */
export interface LogEntry {
  id: string;
  at: Date;
  action: string;
  outcome: string;
  reason: string | null;
  trigger: string | null;
  actorMemberId: string | null;
  actorAadObjectId: string | null;
  conversationId: string | null;
}

const ENTRY_FIELDS = { id: true, at: true, action: true, outcome: true, reason: true, trigger: true, actorMemberId: true, actorAadObjectId: true, conversationId: true } as const;

const readWhere = () => ({ OR: [...READ_SUFFIXES.map((suffix) => ({ action: { endsWith: suffix } })), { action: { in: [...OTHER_READ_ACTIONS] } }] });

/** The query condition of a filter (see LOG_FILTERS). */
function filterWhere(filter: LogFilter) {
  if (filter === 'all') return {};
  if (filter === 'changes') return { outcome: 'allowed', NOT: readWhere() };
  return { OR: LOG_FILTER_PREFIXES[filter].map((prefix) => ({ action: { startsWith: prefix } })) };
}

/** The entries of one member: by their membership, or by their identity (refusals before they were added, or after they left). */
function actorWhere(member: { id: string; aadObjectId: string | null } | undefined) {
  if (!member) return {};
  return { OR: [{ actorMemberId: member.id }, ...(member.aadObjectId ? [{ actorAadObjectId: member.aadObjectId }] : [])] };
}

/**
 * One page of a group's audit entries, newest first, narrowed by what and by member, and how many
 * there are.
 *
 * @example
 *   const page = await findLogPage(db, groupId, { filter: 'crisisPlan' }, 0, 25);
 */
export async function findLogPage(
  db: Db,
  groupId: string,
  options: { filter: LogFilter; member?: { id: string; aadObjectId: string | null } },
  offset: number,
  take: number,
): Promise<{ entries: LogEntry[]; offset: number; total: number }> {
  const where = { AND: [{ groupId }, filterWhere(options.filter), actorWhere(options.member)] };
  const total = await db.auditEvent.count({ where });
  const start = clampOffset(offset, total, take);
  const entries = await db.auditEvent.findMany({ where, orderBy: [{ at: 'desc' }, { id: 'desc' }], skip: start, take, select: ENTRY_FIELDS });
  return { entries, offset: start, total };
}

/** The extract's condition: reads of the crisis plan and the plan in [from, until). */
function extractWhere(groupId: string, from: Date, until: Date) {
  return {
    AND: [
      { groupId, at: { gte: from, lt: until } },
      { OR: READ_SUFFIXES.map((suffix) => ({ action: { endsWith: suffix } })) },
      { OR: EXTRACT_PREFIXES.map((prefix) => ({ action: { startsWith: prefix } })) },
    ],
  };
}

/**
 * The reads a log extract lists, oldest first: one page (`take`), or all of them (no `take`; bounded by
 * MAX_EXTRACT_ROWS), and how many there are.
 *
 * @example
 *   const { entries, total } = await findExtractEntries(db, groupId, from, until, { offset: 0, take: 25 });
 */
export async function findExtractEntries(
  db: Db,
  groupId: string,
  from: Date,
  until: Date,
  page?: { offset: number; take: number },
): Promise<{ entries: LogEntry[]; offset: number; total: number }> {
  const where = extractWhere(groupId, from, until);
  const total = await db.auditEvent.count({ where });
  const start = page ? clampOffset(page.offset, total, page.take) : 0;
  const entries = await db.auditEvent.findMany({ where, orderBy: [{ at: 'asc' }, { id: 'asc' }], skip: start, take: page?.take ?? MAX_EXTRACT_ROWS, select: ENTRY_FIELDS });
  return { entries, offset: start, total };
}

/** The most rows one extract file holds (years of a busy group's reads; bounds the memory a file takes). */
export const MAX_EXTRACT_ROWS = 100_000;

/** How many rows the extract file reads and writes at a time. */
export const EXTRACT_BATCH = 2_000;

/** Everyone who has been a member of the group (left or not): the log names them. */
export function listEveryMember(db: Db, groupId: string) {
  return db.member.findMany({
    where: { groupId },
    orderBy: [{ displayName: 'asc' }, { id: 'asc' }],
    select: { id: true, displayName: true, aadObjectId: true, role: true, principal: true, organisation: true, isIndividual: true, removedAt: true },
  });
}

export type LoggedMember = Awaited<ReturnType<typeof listEveryMember>>[number];

/** Which of these conversations are personal chats with the bot (their stored reference names a user). */
export async function findPersonalChats(db: Db, conversationIds: readonly string[]): Promise<Set<string>> {
  if (conversationIds.length === 0) return new Set();
  const rows = await db.conversationReference.findMany({ where: { conversationId: { in: [...conversationIds] }, userId: { not: null } }, select: { conversationId: true } });
  return new Set(rows.map((row) => row.conversationId));
}
