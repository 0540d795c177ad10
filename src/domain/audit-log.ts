/**
 * The access log (`logg`) and the log extract (*loggutdrag*, the individual's right under
 * patientdatalagen and GDPR art. 15): which audit actions count as what, the extract's period, the CSV
 * file, and where the file may be uploaded. Pure rules; the audit rows themselves are in storage.
 */
import type { FieldErrors } from './errors';
import { dateField, textField, type Validation } from './forms';
import { isLoopbackUrl } from './service-hosts';
import { addCalendarMonths } from './working-time';

/** What the log can be narrowed to. */
export const LOG_FILTERS = ['all', 'crisisPlan', 'plan', 'members', 'changes'] as const;
export type LogFilter = (typeof LOG_FILTERS)[number];

/**
 * The action prefixes of each filter. `changes` is not a prefix set: it is every allowed action that is
 * not a read (see isReadAction).
 */
export const LOG_FILTER_PREFIXES: Record<Exclude<LogFilter, 'all' | 'changes'>, readonly string[]> = {
  crisisPlan: ['crisisplan.'],
  plan: ['plan.', 'goal.', 'goals.', 'subgoal.'],
  members: ['members.', 'member.'],
};

/** Suffixes of actions that show data without changing it. */
export const READ_SUFFIXES = ['.read', '.search'] as const;

/** Reads that do not follow the suffix rule: producing a log extract shows data and changes nothing. */
export const OTHER_READ_ACTIONS = ['log.extract'] as const;

/**
 * Whether an audit action is a read (someone saw something) rather than a change.
 *
 * @example
 *   isReadAction('crisisplan.section.read') // true
 *   isReadAction('goal.update')             // false
 */
export function isReadAction(action: string): boolean {
  return READ_SUFFIXES.some((suffix) => action.endsWith(suffix)) || (OTHER_READ_ACTIONS as readonly string[]).includes(action);
}

/**
 * The prefixes of the reads a log extract lists: who looked at the crisis plan and at the plan (its
 * goals, sub-goals and agreements), allowed or refused. `goals.` is the goal search, which shows goal
 * texts as the plan does.
 */
export const EXTRACT_PREFIXES = ['crisisplan.', 'plan.', 'goal.', 'goals.', 'agreement.'] as const;

/**
 * Whether an audit action belongs in a log extract.
 *
 * @example
 *   isExtractAction('crisisplan.read')       // true
 *   isExtractAction('agreements.mine.read')  // false (the caller's own list, across groups)
 */
export function isExtractAction(action: string): boolean {
  return isReadAction(action) && action !== 'log.extract' && EXTRACT_PREFIXES.some((prefix) => action.startsWith(prefix));
}

/** The filter a card asked for, or `all`. */
export function logFilterOf(value: unknown): LogFilter {
  const text = textField(value);
  return (LOG_FILTERS as readonly string[]).includes(text) ? (text as LogFilter) : 'all';
}

/** Where an audited action came from, relative to the group. */
export type LogOrigin = 'group' | 'personal' | 'other' | 'unknown';

/**
 * Where an action came from: the group's own conversation, a personal chat with the bot (a stored
 * reference with a user), another conversation, or not recorded (the scheduler, older rows).
 *
 * @example
 *   originOf('a:personal-29:sara', '19:kl@thread.tacv2', new Set(['a:personal-29:sara'])) // 'personal'
 */
export function originOf(conversationId: string | null, groupConversationId: string, personalChats: ReadonlySet<string>): LogOrigin {
  if (!conversationId) return 'unknown';
  if (conversationId === groupConversationId) return 'group';
  return personalChats.has(conversationId) ? 'personal' : 'other';
}

/** A log extract's period: calendar days (YYYY-MM-DD) in the group's time zone, both included. */
export interface ExtractPeriod {
  from: string;
  to: string;
}

/**
 * The period an extract covers unless the case manager picks another: the last 12 months up to today.
 *
 * @example
 *   defaultExtractPeriod('2026-12-05') // { from: '2025-12-05', to: '2026-12-05' }
 */
export function defaultExtractPeriod(today: string): ExtractPeriod {
  return { from: addCalendarMonths(today, -12), to: today };
}

/**
 * Validates a period: two real dates, from on or before to, neither after today (in the group's time
 * zone). Field errors are message keys.
 *
 * @example
 *   validateExtractPeriod({ from: '2026-01-01', to: '2026-06-30' }, '2026-12-05') // { ok: true, value: {...} }
 */
export function validateExtractPeriod(data: Record<string, unknown>, today: string): Validation<ExtractPeriod> {
  const fieldErrors: FieldErrors = {};
  const from = dateField(data.from);
  const to = dateField(data.to);
  if (!from) fieldErrors.from = 'log.extract.error.dateInvalid';
  else if (from.toISOString().slice(0, 10) > today) fieldErrors.from = 'log.extract.error.future';
  if (!to) fieldErrors.to = 'log.extract.error.dateInvalid';
  else if (to.toISOString().slice(0, 10) > today) fieldErrors.to = 'log.extract.error.future';
  if (from && to && !fieldErrors.from && !fieldErrors.to && from > to) fieldErrors.to = 'log.extract.error.order';
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return { ok: true, value: { from: from!.toISOString().slice(0, 10), to: to!.toISOString().slice(0, 10) } };
}

/**
 * The period as the audit row's machine-readable reason.
 *
 * @example
 *   periodReason({ from: '2025-12-05', to: '2026-12-05' }) // '2025-12-05..2026-12-05'
 */
export function periodReason(period: ExtractPeriod): string {
  return `${period.from}..${period.to}`;
}

/** The day after a YYYY-MM-DD day (the end of a period is exclusive in queries). */
export function dayAfter(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The CSV file's content type and separator: semicolons, as Excel expects with Swedish settings. */
export const CSV_SEPARATOR = ';';
const BOM = '\uFEFF';

/**
 * A cell as Excel reads it: quoted when it holds the separator, a quote or a line break; a text that
 * starts like a formula (= + - @, tab, CR) gets a leading apostrophe, so a name typed into the group
 * can never run as a formula in the case manager's Excel.
 */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * CSV for Excel: UTF-8 with a byte-order mark (so å, ä, ö are read right), semicolon-separated, CRLF
 * line ends.
 *
 * @example
 *   toCsv([['Tid', 'Person'], ['2026-01-01', 'Anna; Berg']]) // '\uFEFFTid;Person\r\n2026-01-01;"Anna; Berg"\r\n'
 */
export function toCsv(rows: ReadonlyArray<readonly string[]>): string {
  return BOM + csvLines(rows);
}

/** Rows of CSV without the byte-order mark: the rest of a file written a batch at a time. */
export function csvLines(rows: ReadonlyArray<readonly string[]>): string {
  return rows.map((row) => row.map(csvCell).join(CSV_SEPARATOR)).join('\r\n') + '\r\n';
}

/**
 * Where Teams may ask the bot to upload a file the user accepted: the user's OneDrive for Business,
 * which lives on SharePoint Online (`<tenant>-my.sharepoint.com`; `.sharepoint.us` in GCC High,
 * `.sharepoint-mil.us` in DoD). Only these domains' subdomains, over https on the default port.
 */
export const UPLOAD_HOST_SUFFIXES = ['.sharepoint.com', '.sharepoint.us', '.sharepoint-mil.us'] as const;

/**
 * Whether an upload URL from a file consent answer may receive the file: a SharePoint host (see
 * UPLOAD_HOST_SUFFIXES), or, in local mode (no credentials, nothing real to reach), loopback only.
 *
 * @example
 *   isAllowedUploadUrl('https://contoso-my.sharepoint.com/personal/x/upload?x=1', false) // true
 *   isAllowedUploadUrl('https://evil.example/upload', false)                            // false
 */
export function isAllowedUploadUrl(value: unknown, localMode: boolean): boolean {
  if (typeof value !== 'string' || value === '') return false;
  if (localMode) return isLoopbackUrl(value);
  try {
    const url = new URL(value);
    const host = url.hostname.toLowerCase();
    return url.protocol === 'https:' && url.port === '' && url.username === '' && url.password === '' && UPLOAD_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix) && host.length > suffix.length);
  } catch {
    return false;
  }
}

/** What a file consent card's accept and decline contexts carry: the group and the period, never data. */
export interface ExtractFileContext extends ExtractPeriod {
  kind: 'logExtract';
  groupId: string;
}

/** The context of a file consent answer, when it is one of ours and well formed. */
export function extractFileContextOf(value: unknown): ExtractFileContext | undefined {
  const context = value as Partial<Record<keyof ExtractFileContext, unknown>> | null | undefined;
  if (!context || typeof context !== 'object' || context.kind !== 'logExtract') return undefined;
  const { groupId, from, to } = context;
  if (typeof groupId !== 'string' || !/^[\w-]{1,64}$/.test(groupId) || typeof from !== 'string' || typeof to !== 'string') return undefined;
  return { kind: 'logExtract', groupId, from, to };
}
