/**
 * A lean fake Bot Connector on loopback that logs every post it receives: the conversation, the moment
 * it arrived and the reminder ids in its card (a single reminder's card carries its id in the snooze
 * actions). For tests and benchmarks that count many proactive posts from several processes; it keeps
 * no bodies, so 10,000 posts cost little memory and CPU in the process that runs it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedPost {
  conversationId: string;
  /** Date.now() when the whole request had arrived. */
  at: number;
  /** The distinct reminder ids the posted card mentions (one for a single reminder's card). */
  reminderIds: string[];
}

export interface PostLogConnector {
  url: string;
  posts: LoggedPost[];
  /** Requests other than posts (answered 404), e.g. a roster read the bot should not make here. */
  otherRequests: number;
  /** Resolves when `test` holds for the posts so far, checked on every post; rejects after `timeoutMs`. */
  waitFor(test: (posts: readonly LoggedPost[]) => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

const REMINDER_ID = /"reminderId":"([^"]+)"/g;

/**
 * Starts the connector on a free loopback port.
 *
 * @example
 *   const connector = await startPostLogConnector();
 *   await connector.waitFor((posts) => posts.length >= 1000, 60_000);
 */
export async function startPostLogConnector(): Promise<PostLogConnector> {
  const posts: LoggedPost[] = [];
  let waiters: Array<() => void> = [];
  let counter = 0;
  const connector = { posts, otherRequests: 0 };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const parts = new URL(req.url ?? '/', 'http://localhost').pathname.split('/').filter(Boolean).map(decodeURIComponent);
      // POST /v3/conversations/{id}/activities[/{replyToId}] (botbuilder names the proactive turn's activity)
      if (req.method === 'POST' && parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'activities') {
        const body = Buffer.concat(chunks).toString('utf8');
        const reminderIds = [...new Set(Array.from(body.matchAll(REMINDER_ID), (m) => m[1]!))];
        posts.push({ conversationId: parts[2]!, at: Date.now(), reminderIds });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `post-${++counter}` }));
        const ready = waiters;
        waiters = [];
        ready.forEach((wake) => wake());
        return;
      }
      connector.otherRequests++;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"NotFound"}}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(connector, {
    url: `http://127.0.0.1:${port}`,
    waitFor(test: (posts: readonly LoggedPost[]) => boolean, timeoutMs: number) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`gave up after ${timeoutMs} ms with ${posts.length} posts`)), timeoutMs);
        const check = () => {
          if (test(posts)) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/**
 * The most posts any one conversation received within any window of `windowMs` (a sliding window over
 * arrival times: for each post, the posts of its conversation in the `windowMs` up to and including it).
 */
export function peakPostsPerWindow(posts: readonly LoggedPost[], windowMs: number): { peak: number; conversationId?: string } {
  const byConversation = new Map<string, number[]>();
  for (const post of posts) {
    const times = byConversation.get(post.conversationId) ?? [];
    times.push(post.at);
    byConversation.set(post.conversationId, times);
  }
  let peak = 0;
  let where: string | undefined;
  for (const [conversationId, times] of byConversation) {
    times.sort((a, b) => a - b);
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= windowMs) start++;
      if (end - start + 1 > peak) {
        peak = end - start + 1;
        where = conversationId;
      }
    }
  }
  return { peak, conversationId: where };
}
