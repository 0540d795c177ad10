/**
 * The columns of each table that plain SQL (sql.ts) returns differently from Prisma: DateTime (text on
 * SQLite) and Boolean (0/1 on SQLite). `rowOf(row, SHAPE)` turns a `SELECT *` row into Prisma's shape;
 * storage.test.ts compares the two on both databases.
 */
import type { RowShape } from './sql';

export const GROUP_ROW: RowShape = { dates: ['createdAt', 'updatedAt'], booleans: ['observeHolidays', 'weeklyDigest'] };

export const MEMBER_ROW: RowShape = {
  dates: ['consentRecordedAt', 'consentWithdrawnAt', 'removedAt', 'createdAt', 'updatedAt'],
  booleans: ['isIndividual', 'isCaseManager', 'personalDigest', 'crisisPlanAccess'],
};

export const GOAL_ROW: RowShape = { dates: ['targetDate', 'individualAgreedAt', 'createdAt', 'updatedAt'], booleans: [] };

export const SUB_GOAL_ROW: RowShape = { dates: ['targetDate', 'createdAt', 'updatedAt'], booleans: [] };

export const GOAL_UPDATE_ROW: RowShape = { dates: ['createdAt'], booleans: [] };

export const AGREEMENT_ROW: RowShape = { dates: ['dueDate', 'createdAt', 'updatedAt'], booleans: [] };

export const AGREEMENT_EVENT_ROW: RowShape = { dates: ['createdAt'], booleans: [] };

export const CHANNEL_POST_ROW: RowShape = { dates: ['createdAt', 'updatedAt'], booleans: [] };
