/**
 * The cost floor of sending reminders, for bench/reminders.ts: one process builds each reminder's card
 * as the reminder sender does and posts it through the bot's own adapter (botbuilder's CloudAdapter
 * with the bot's send path: continueConversationAsync + sendActivity from the stored reference), with
 * nothing else: no claims, leases, validation or settling. The reminders and references are read
 * before the clock starts. Prints one JSON line: `{"posts":…,"seconds":…,"failed":…}`.
 *
 *   DATABASE_URL=file:… PLAIN_LOOP_CONCURRENCY=1 node --import tsx bench/reminder-plain-loop.ts
 */
import type { ConversationReference } from 'botbuilder';
import { reminderCard } from '../src/cards/reminders';
import { loadConfig } from '../src/config';
import { resolveLocale } from '../src/domain/locale';
import { translate } from '../src/locales';
import { createLogger } from '../src/logger';
import { startBot } from '../src/main';
import { cardActivity } from '../src/teams/send';

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, REMINDERS: 'off' });
  const concurrency = Number(process.env.PLAIN_LOOP_CONCURRENCY ?? '1');
  const bot = await startBot(config, createLogger(config.logLevel));
  const db = bot.database.db;
  const reminders = await db.reminder.findMany({
    select: { id: true, dueAt: true, followUp: { select: { kind: true } }, group: { select: { conversationId: true, locale: true, timeZone: true } } },
    orderBy: { sendAfter: 'asc' },
  });
  const references = new Map(
    (await db.conversationReference.findMany()).map((row) => [row.conversationId, JSON.parse(row.reference) as Partial<ConversationReference>]),
  );
  const adapter = bot.bot.adapter;
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const loop = async () => {
    while (next < reminders.length) {
      const reminder = reminders[next++]!;
      const locale = resolveLocale(reminder.group.locale);
      const card = reminderCard(
        locale,
        [{ reminderId: reminder.id, kind: 'follow_up', followUpKind: reminder.followUp?.kind, when: reminder.dueAt, wholeDay: false, nextMeeting: false }],
        { timeZone: reminder.group.timeZone, gathered: false },
      );
      const reference = references.get(reminder.group.conversationId)!;
      let done = false;
      await adapter.continueConversationAsync('', { ...reference, conversation: { ...reference.conversation!, id: reminder.group.conversationId } }, async (context) => {
        await context.sendActivity(cardActivity(card, translate(locale, 'shell.summary')));
        done = true;
      });
      if (!done) failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ event: 'plain_loop.done', posts: reminders.length, seconds, failed })}\n`);
  await bot.stop();
}

main().catch((error: unknown) => {
  process.stderr.write(`plain loop failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
