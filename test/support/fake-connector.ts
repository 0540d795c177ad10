/**
 * A small fake Bot Connector on loopback: the edge we do not own. The bot's replies arrive here (as they
 * would at Teams' serviceUrl) and the roster is served from here, so tests can assert on what users see.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedActivity {
  conversationId: string;
  replyToId?: string;
  activity: {
    type: string;
    text?: string;
    /** Cards, and Teams' file cards (file consent and file info name a file and its URL outside `content`). */
    attachments?: Array<{ contentType: string; content: Record<string, unknown>; name?: string; contentUrl?: string }>;
    [key: string]: unknown;
  };
}

export interface RosterMember {
  id: string;
  name: string;
  aadObjectId?: string;
}

/** A scripted failure: the next request of this method (any method when absent) gets this answer. */
export interface ScriptedFailure {
  status: number;
  method?: 'POST' | 'GET' | 'PUT';
  headers?: Record<string, string>;
  body?: unknown;
  /** Wait this long before answering (a slow connector). */
  delayMs?: number;
}

export interface FakeConnector {
  url: string;
  /** Every request that reached the connector, with the status it was answered. */
  requests: Array<{ method: string; path: string; status: number }>;
  /** Queues failures: each answers one matching request, in order, instead of the normal answer. */
  failNext(...failures: ScriptedFailure[]): void;
  activities: CapturedActivity[];
  /** Members the bot opened a personal chat with (POST /v3/conversations). */
  openedChats: string[];
  /** When set, opening a personal chat answers this status (e.g. 403: the member has not installed the app). */
  personalChatStatus?: number;
  /** Activities the bot replaced (PUT), e.g. a card updated for everyone. */
  updates: CapturedActivity[];
  roster: RosterMember[];
  /** Fail roster reads with this HTTP status (e.g. 403), or undefined to serve the roster. */
  rosterStatus?: number;
  /** Resolves when `count` activities have arrived (or rejects after `timeoutMs`). */
  waitForActivities(count: number, timeoutMs?: number): Promise<CapturedActivity[]>;
  clear(): void;
  close(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

/**
 * Starts the fake connector on a free loopback port.
 *
 * @example
 *   const connector = await startFakeConnector([{ id: '29:anna', name: 'Anna', aadObjectId: 'aad-anna' }]);
 */
export async function startFakeConnector(roster: RosterMember[] = []): Promise<FakeConnector> {
  const activities: CapturedActivity[] = [];
  const updates: CapturedActivity[] = [];
  let waiters: Array<() => void> = [];
  let counter = 0;
  const requests: FakeConnector['requests'] = [];
  const failures: ScriptedFailure[] = [];
  const connector: Partial<FakeConnector> = { activities, updates, roster, requests, openedChats: [] };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const body = await readJson(req);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? '', path: url.pathname, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };
    const failureIndex = failures.findIndex((f) => !f.method || f.method === req.method);
    if (failureIndex >= 0) {
      const [failure] = failures.splice(failureIndex, 1);
      if (failure!.delayMs) await new Promise((resolve) => setTimeout(resolve, failure!.delayMs));
      return send(failure!.status, failure!.body ?? { error: { code: `Status${failure!.status}`, message: 'scripted failure' } }, failure!.headers);
    }
    // /v3/conversations/{id}/activities[/{replyToId}]
    if (req.method === 'POST' && parts[0] === 'v3' && parts[1] === 'conversations' && parts[3] === 'activities') {
      activities.push({ conversationId: parts[2] ?? '', replyToId: parts[4], activity: body as CapturedActivity['activity'] });
      const ready = waiters;
      waiters = [];
      ready.forEach((wake) => wake());
      send(200, { id: `reply-${++counter}` });
      return;
    }
    // /v3/conversations/{id}/pagedmembers and /v3/conversations/{id}/members
    if (req.method === 'GET' && parts[0] === 'v3' && parts[1] === 'conversations' && (parts[3] === 'pagedmembers' || parts[3] === 'members')) {
      if (connector.rosterStatus) return send(connector.rosterStatus, { error: { code: 'Forbidden' } });
      const members = (connector.roster ?? []).map((m) => ({ id: m.id, name: m.name, aadObjectId: m.aadObjectId }));
      return send(200, parts[3] === 'pagedmembers' ? { members } : members);
    }
    // POST /v3/conversations: the bot opens a 1:1 chat with a member (Teams answers 403 when the member
    // has not installed the app: personalChatStatus).
    if (req.method === 'POST' && parts[0] === 'v3' && parts[1] === 'conversations' && parts.length === 2) {
      if (connector.personalChatStatus) return send(connector.personalChatStatus, { error: { code: 'Forbidden', message: 'not installed' } });
      const member = (body as { members?: Array<{ id?: string }> })?.members?.[0]?.id ?? 'unknown';
      connector.openedChats?.push(member);
      return send(201, { id: `a:opened-${member}` });
    }
    if (req.method === 'PUT' && parts[3] === 'activities') {
      updates.push({ conversationId: parts[2] ?? '', replyToId: parts[4], activity: body as CapturedActivity['activity'] });
      return send(200, { id: parts[4] });
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(connector, {
    url: `http://127.0.0.1:${port}`,
    failNext(...next: ScriptedFailure[]) {
      failures.push(...next);
    },
    waitForActivities(count: number, timeoutMs = 10_000) {
      return new Promise<CapturedActivity[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} activities, got ${activities.length}`)), timeoutMs);
        const check = () => {
          if (activities.length >= count) {
            clearTimeout(timer);
            resolve(activities.slice());
          } else waiters.push(check);
        };
        check();
      });
    },
    clear() {
      activities.length = 0;
      updates.length = 0;
      requests.length = 0;
      failures.length = 0;
      connector.openedChats!.length = 0;
      connector.personalChatStatus = undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as FakeConnector;
}

/** The Adaptive Card content of a captured activity. */
export function cardOf(captured: CapturedActivity | undefined): Record<string, unknown> {
  const attachment = captured?.activity.attachments?.[0];
  if (!attachment || attachment.contentType !== 'application/vnd.microsoft.card.adaptive') {
    throw new Error(`not a card activity: ${JSON.stringify(captured?.activity)}`);
  }
  return attachment.content;
}

/** Every piece of visible text in a card (TextBlock, TextRun, labels, choice titles, action titles), joined. */
export function cardText(card: unknown): string {
  const texts: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      for (const key of ['text', 'title', 'label', 'placeholder', 'value']) {
        if (typeof obj[key] === 'string' && key !== 'value') texts.push(obj[key] as string);
      }
      Object.values(obj).forEach(visit);
    }
  };
  visit(card);
  return texts.join('\n');
}
