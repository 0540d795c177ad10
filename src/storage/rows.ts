/**
 * The tables plain SQL (sql.ts) reads whole rows of: their columns, named (never `SELECT *`), and the
 * columns it returns differently from Prisma: DateTime (text on SQLite) and Boolean (0/1 on SQLite).
 * `rowOf(row, SHAPE)` turns such a row into Prisma's shape; storage.test.ts compares the two on both
 * databases.
 *
 * Named columns because PostgreSQL caches each named prepared statement's plan with its result type:
 * after a migration adds a column, a cached `SELECT *` fails with "cached plan must not change result
 * type" in every process that prepared it before, on every turn, until restarted. Each list is checked
 * against the Prisma schema's own field list (the generated `…ScalarFieldEnum`): a column added to the
 * schema and not here does not compile.
 */
import type { Prisma } from '../generated/sqlite/client';
import type { RowShape } from './sql';

/** A table's row shape with its columns, which must be every scalar field of the model (`Field`). */
export interface TableShape<Field extends string> extends RowShape {
  columns: readonly Field[];
}

/** Every member of `Field` is in `List`, else the type is never (a missing column does not compile). */
type Every<Field extends string, List extends readonly Field[]> = [Field] extends [List[number]] ? List : never;

function table<Field extends string>() {
  return <const List extends readonly Field[]>(columns: Every<Field, List>, dates: readonly Field[], booleans: readonly Field[] = []): TableShape<Field> => ({ columns, dates, booleans });
}

/** The select list of a table's row: `"a", "b"`, or `m."a", m."b"` with a table alias. */
export function columnsOf(shape: TableShape<string>, alias?: string): string {
  return shape.columns.map((c) => (alias ? `${alias}."${c}"` : `"${c}"`)).join(', ');
}

export const GROUP_ROW = table<Prisma.ResourceGroupScalarFieldEnum>()(
  [
    'id', 'conversationId', 'conversationType', 'tenantId', 'teamId', 'channelId', 'individualAlias', 'caseManagementModel', 'locale', 'timeZone',
    'workDays', 'workdayStartMinute', 'workdayEndMinute', 'observeHolidays', 'reminderLeadDays', 'escalateAfterDays', 'weeklyDigest', 'rosterCheckedAt', 'createdAt', 'updatedAt',
  ],
  ['rosterCheckedAt', 'createdAt', 'updatedAt'],
  ['observeHolidays', 'weeklyDigest'],
);

export const MEMBER_ROW = table<Prisma.MemberScalarFieldEnum>()(
  [
    'id', 'groupId', 'teamsUserId', 'aadObjectId', 'displayName', 'role', 'principal', 'organisation', 'isIndividual', 'isCaseManager',
    'consentRecordedAt', 'consentRecordedBy', 'consentWithdrawnAt', 'removedAt', 'personalDigest', 'crisisPlanAccess', 'createdAt', 'updatedAt',
  ],
  ['consentRecordedAt', 'consentWithdrawnAt', 'removedAt', 'createdAt', 'updatedAt'],
  ['isIndividual', 'isCaseManager', 'personalDigest', 'crisisPlanAccess'],
);

export const GOAL_ROW = table<Prisma.GoalScalarFieldEnum>()(
  ['id', 'groupId', 'lifeArea', 'text', 'status', 'progress', 'responsibleMemberId', 'targetDate', 'individualAgreedAt', 'version', 'createdByMemberId', 'createdAt', 'updatedAt'],
  ['targetDate', 'individualAgreedAt', 'createdAt', 'updatedAt'],
);

export const SUB_GOAL_ROW = table<Prisma.SubGoalScalarFieldEnum>()(
  ['id', 'goalId', 'text', 'status', 'responsibleMemberId', 'targetDate', 'version', 'createdAt', 'updatedAt'],
  ['targetDate', 'createdAt', 'updatedAt'],
);

export const GOAL_UPDATE_ROW = table<Prisma.GoalUpdateScalarFieldEnum>()(
  ['id', 'goalId', 'authorMemberId', 'previousStatus', 'status', 'progress', 'comment', 'subGoalId', 'createdAt'],
  ['createdAt'],
);

export const AGREEMENT_ROW = table<Prisma.AgreementScalarFieldEnum>()(
  ['id', 'groupId', 'responsibleMemberId', 'what', 'dueDate', 'goalId', 'subGoalId', 'status', 'version', 'remindersPlan', 'createdByMemberId', 'createdAt', 'updatedAt'],
  ['dueDate', 'createdAt', 'updatedAt'],
);

export const AGREEMENT_EVENT_ROW = table<Prisma.AgreementEventScalarFieldEnum>()(['id', 'agreementId', 'kind', 'actorMemberId', 'details', 'createdAt'], ['createdAt']);

export const CHANNEL_POST_ROW = table<Prisma.ChannelPostScalarFieldEnum>()(['id', 'groupId', 'entityType', 'entityId', 'conversationId', 'activityId', 'createdAt', 'updatedAt'], ['createdAt', 'updatedAt']);
