import type { Activity, TurnContext } from 'botbuilder';
import { describeEntry, extractCells, extractHeader, logCard, logExtractCard, logExtractFormCard, type LogContext, type LogEntryView, type LogMember } from '../cards/audit-log';
import { formValue, isoDay } from '../cards/format';
import { offsetOf, PAGE_SIZES } from '../cards/paging';
import {
  dayAfter,
  defaultExtractPeriod,
  extractFileContextOf,
  isAllowedUploadUrl,
  logFilterOf,
  periodReason,
  toCsv,
  csvLines,
  validateExtractPeriod,
  type ExtractFileContext,
  type ExtractPeriod,
} from '../domain/audit-log';
import { DomainError } from '../domain/errors';
import { todayIn } from '../domain/forms';
import type { Locale } from '../domain/locale';
import { wallClockToInstant } from '../domain/working-time';
import { translate } from '../locales';
import { recordAudit, type AuditOutcome } from '../storage/audit';
import { EXTRACT_BATCH, findExtractEntries, findLogPage, findPersonalChats, listEveryMember, MAX_EXTRACT_ROWS } from '../storage/audit-log';
import { findPersonalChatOf } from '../storage/conversations';
import { localeOf } from './context';
import type { BotDeps, Feature, FileConsentAnswer } from './feature';
import { auditRead, postShell, requireAccessToGroup, requireGroupAccess, type Group, type GroupTurn } from './group-context';

/** Teams' file consent card: the person chooses to save a file the bot offers into their OneDrive. */
const FILE_CONSENT_CARD = 'application/vnd.microsoft.teams.card.file.consent';
/** Teams' card for a file the bot uploaded: opens it from the person's OneDrive. */
const FILE_INFO_CARD = 'application/vnd.microsoft.teams.card.file.info';

/**
 * How long the upload to OneDrive may take unless configured (UPLOAD_TIMEOUT_MS). The upload runs
 * inside Teams' invoke, which Teams sends again after about 15 s; the claim makes a redelivery a no-op,
 * but the person should hear back first.
 */
export const DEFAULT_UPLOAD_TIMEOUT_MS = 10_000;

/**
 * `logg` / `log`: the case manager's view of who read and changed the group's data, and the log extract
 * (*loggutdrag*) of who looked at the crisis plan and the plan in a period: as a card, as lines for
 * copying, or as a CSV file saved to the case manager's OneDrive from their personal chat with the bot.
 * Only the case manager sees any of it; every look at the log is itself audited.
 */
export function auditLogFeature(deps: BotDeps): Feature {
  const { db, logger, now } = deps;
  const todayOf = (group: Group) => isoDay(todayIn(group.timeZone, now()));

  /** What the log needs to tell the entries in words: names, and which conversations are personal chats. */
  async function logContext(group: Group, entries: readonly LogEntryView[], members: readonly LogMember[]): Promise<LogContext> {
    const elsewhere = [...new Set(entries.flatMap((e) => (e.conversationId && e.conversationId !== group.conversationId ? [e.conversationId] : [])))];
    return { timeZone: group.timeZone, groupConversationId: group.conversationId, personalChats: await findPersonalChats(db, elsewhere), members };
  }

  async function logView(turn: GroupTurn, data: Record<string, unknown>) {
    const { group } = turn;
    const filter = logFilterOf(data.what);
    const members = await listEveryMember(db, group.id);
    const member = members.find((m) => m.id === formValue(data.member));
    const page = await findLogPage(db, group.id, { filter, member }, offsetOf(data.offset), PAGE_SIZES.log);
    const context = await logContext(group, page.entries, members);
    // Audited after reading, so the view does not open with the case manager's own look at it.
    await auditRead(db, turn, 'log.read', 'ResourceGroup', group.id);
    return logCard(turn.locale, page.entries.map((e) => describeEntry(turn.locale, e, context)), {
      alias: group.individualAlias,
      // The case manager's own view: nobody else's client refreshes into it.
      userIds: turn.caller.teamsUserId ? [turn.caller.teamsUserId] : [],
      filter,
      memberId: member?.id,
      members,
      offset: page.offset,
      total: page.total,
    });
  }

  /** The instants a period covers in the group's time zone: from its first day's midnight to the day after its last. */
  function periodInstants(group: Group, period: ExtractPeriod) {
    return { from: wallClockToInstant(period.from, '00:00', group.timeZone), until: wallClockToInstant(dayAfter(period.to), '00:00', group.timeZone) };
  }

  /** Audits one extract produced (as a card, lines or a file), with the period as its reason. */
  async function auditExtract(turn: GroupTurn, period: ExtractPeriod | undefined, outcome: AuditOutcome = 'allowed', reason?: string) {
    await recordAudit(db, {
      action: 'log.extract',
      outcome,
      groupId: turn.group.id,
      actorMemberId: turn.member.id,
      actorAadObjectId: turn.caller.aadObjectId,
      entityType: 'ResourceGroup',
      entityId: turn.group.id,
      reason: reason ?? (period ? periodReason(period) : undefined),
      trigger: turn.caller.trigger,
      conversationId: turn.caller.conversationId,
    }, now());
  }

  /** The period the card asked for, or the form again with what to correct (nothing is produced then). */
  function periodOrForm(turn: GroupTurn, data: Record<string, unknown>) {
    const validation = validateExtractPeriod(data, todayOf(turn.group));
    if (validation.ok) return { period: validation.value };
    logger.info('log.extract.invalid_period', { groupId: turn.group.id, fields: Object.keys(validation.fieldErrors).join(',') });
    return { form: logExtractFormCard(turn.locale, todayOf(turn.group), data, validation.fieldErrors) };
  }

  async function extractView(turn: GroupTurn, mode: 'card' | 'text', data: Record<string, unknown>) {
    const checked = periodOrForm(turn, data);
    if (!checked.period) return checked.form;
    const { group } = turn;
    const { from, until } = periodInstants(group, checked.period);
    const page = await findExtractEntries(db, group.id, from, until, { offset: offsetOf(data.offset), take: mode === 'card' ? PAGE_SIZES.logExtract : PAGE_SIZES.logExtractLines });
    const context = await logContext(group, page.entries, await listEveryMember(db, group.id));
    await auditExtract(turn, checked.period);
    return logExtractCard(turn.locale, mode, page.entries.map((e) => describeEntry(turn.locale, e, context)), {
      alias: group.individualAlias,
      period: checked.period,
      offset: page.offset,
      total: page.total,
      timeZone: group.timeZone,
    });
  }

  /**
   * The extract as a CSV file (every read in the period, up to MAX_EXTRACT_ROWS), in the reader's
   * language, read and written EXTRACT_BATCH rows at a time: the memory it takes is the file's bytes
   * and one batch, not every row as objects at once (the production start caps the heap).
   */
  async function extractCsv(group: Group, period: ExtractPeriod, locale: Locale): Promise<{ bytes: Buffer; rows: number }> {
    const { from, until } = periodInstants(group, period);
    const members = await listEveryMember(db, group.id);
    const chunks = [Buffer.from(toCsv([extractHeader(locale, group.timeZone)]), 'utf8')];
    let rows = 0;
    for (let total = MAX_EXTRACT_ROWS; rows < Math.min(total, MAX_EXTRACT_ROWS); ) {
      const page = await findExtractEntries(db, group.id, from, until, { offset: rows, take: Math.min(EXTRACT_BATCH, MAX_EXTRACT_ROWS - rows) });
      total = page.total;
      // Past the end (rows removed meanwhile: never, the log is append-only; but never loop on it).
      if (page.offset !== rows || page.entries.length === 0) break;
      const context = await logContext(group, page.entries, members);
      chunks.push(Buffer.from(csvLines(page.entries.map((e) => extractCells(describeEntry(locale, e, context)))), 'utf8'));
      rows += page.entries.length;
    }
    return { bytes: Buffer.concat(chunks), rows };
  }

  /**
   * Offers the extract as a file in the case manager's personal chat with the bot (Teams' file consent
   * card works only there, and a file in a channel would reach everyone). The card's contexts carry the
   * group and the period only; the file is built again, and access checked again, when it is accepted.
   */
  async function offerExtractFile(turn: GroupTurn, period: ExtractPeriod): Promise<string> {
    const chat = turn.caller.teamsUserId ? await findPersonalChatOf(db, turn.caller.teamsUserId) : undefined;
    if (!chat || chat.unreachableAt) return translate(turn.locale, 'log.extract.file.noPersonalChat');
    const { bytes } = await extractCsv(turn.group, period, turn.locale);
    const fileContext: ExtractFileContext = { kind: 'logExtract', groupId: turn.group.id, from: period.from, to: period.to };
    const offer: Partial<Activity> = {
      type: 'message',
      summary: translate(turn.locale, 'log.extract.file.summary'),
      attachments: [
        {
          contentType: FILE_CONSENT_CARD,
          name: translate(turn.locale, 'log.extract.file.name', { from: period.from, to: period.to }),
          content: {
            description: translate(turn.locale, 'log.extract.file.description', { from: period.from, to: period.to }),
            sizeInBytes: bytes.length,
            acceptContext: fileContext,
            declineContext: fileContext,
          },
        },
      ],
    };
    const posted = await deps.postToConversation?.(chat.conversationId, offer);
    logger.info('log.extract.file_offered', { groupId: turn.group.id, sent: posted !== undefined });
    return translate(turn.locale, posted ? 'log.extract.file.sent' : 'log.extract.file.notSent');
  }

  /**
   * Uploads the file the case manager accepted to the URL Teams gave, if that URL is an allowed host,
   * within the upload timeout; then shows the file. Says how it went.
   */
  async function uploadExtract(context: TurnContext, answer: FileConsentAnswer, fileContext: ExtractFileContext): Promise<void> {
    const group = await db.resourceGroup.findUnique({ where: { id: fileContext.groupId } });
    if (!group) throw new DomainError('not_found');
    // Access is checked from the caller's own identity; the context only says which group and period.
    const turn = await requireAccessToGroup(db, context, group, 'caseManager', 'log.extract');
    const validation = validateExtractPeriod({ from: fileContext.from, to: fileContext.to }, todayOf(group));
    if (!validation.ok) throw new DomainError('invalid_input');
    const period = validation.value;
    const uploadUrl = answer.uploadInfo?.uploadUrl;
    if (!isAllowedUploadUrl(uploadUrl, deps.config.localMode)) {
      await auditExtract(turn, period, 'denied', 'upload_host_not_allowed');
      logger.warn('log.extract.upload_refused', { groupId: group.id, code: 'upload_host_not_allowed' });
      await context.sendActivity(translate(turn.locale, 'log.extract.file.uploadRefused'));
      return;
    }
    const { bytes, rows } = await extractCsv(group, period, turn.locale);
    const failure = await putFile(uploadUrl as string, bytes, deps.config.uploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS);
    if (failure) {
      await auditExtract(turn, period, 'failed', failure);
      logger.warn('log.extract.upload_failed', { groupId: group.id, code: failure });
      await context.sendActivity(translate(turn.locale, 'log.extract.file.uploadFailed'));
      return;
    }
    await auditExtract(turn, period);
    logger.info('log.extract.uploaded', { groupId: group.id, rows, bytes: bytes.length });
    const info = answer.uploadInfo!;
    await context.sendActivity({
      type: 'message',
      attachments: [{ contentType: FILE_INFO_CARD, contentUrl: stringOrEmpty(info.contentUrl), name: stringOrEmpty(info.name), content: { uniqueId: stringOrEmpty(info.uniqueId), fileType: stringOrEmpty(info.fileType) } }],
    });
  }

  return {
    name: 'audit-log',
    commands: {
      log: async (context) => {
        const turn = await requireGroupAccess(db, context, 'caseManager', 'log.read');
        await postShell(context, turn.locale, { titleKey: 'log.shell.title', verb: 'logShow', userIds: [turn.caller.teamsUserId] });
      },
    },
    actions: {
      logShow: async (context, data) => logView(await requireGroupAccess(db, context, 'caseManager', 'log.read'), data),

      logExtractForm: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'caseManager', 'log.extract');
        const today = todayOf(turn.group);
        const period = validateExtractPeriod(data, today);
        return logExtractFormCard(turn.locale, today, { ...(period.ok ? period.value : defaultExtractPeriod(today)) });
      },

      logExtractShow: async (context, data) => extractView(await requireGroupAccess(db, context, 'caseManager', 'log.extract'), 'card', data),

      logExtractText: async (context, data) => extractView(await requireGroupAccess(db, context, 'caseManager', 'log.extract'), 'text', data),

      logExtractFile: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'caseManager', 'log.extract');
        const checked = periodOrForm(turn, data);
        return checked.period ? offerExtractFile(turn, checked.period) : checked.form;
      },
    },
    fileConsents: {
      logExtract: async (context, answer) => {
        const fileContext = extractFileContextOf(answer.context);
        if (!fileContext) throw new DomainError('not_found');
        if (answer.action === 'decline') {
          logger.info('log.extract.file_declined', { groupId: fileContext.groupId });
          await context.sendActivity(translate(localeOf(context), 'log.extract.file.declined'));
          return;
        }
        await uploadExtract(context, answer, fileContext);
      },
    },
  };
}

function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * PUTs the file to OneDrive's upload session in one request (Content-Range covers it all), without
 * following redirects (the host was checked, a redirect could lead anywhere) and within the timeout.
 * Undefined when it was stored, else a failure code for the audit row and the log.
 */
async function putFile(uploadUrl: string, bytes: Buffer, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(uploadUrl, {
      method: 'PUT',
      headers: { 'Content-Length': String(bytes.length), 'Content-Range': `bytes 0-${bytes.length - 1}/${bytes.length}` },
      body: bytes,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? undefined : `upload_status_${response.status}`;
  } catch (error) {
    return (error as Error)?.name === 'TimeoutError' ? 'upload_timeout' : 'upload_failed';
  }
}
