/**
 * A minimal Bot Connector on loopback for the benchmarks: it takes the bot's replies, keyed by the
 * activity they answer so that each sender can check its own reply, and serves a fixed roster.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RosterMember {
  id: string;
  name: string;
  aadObjectId?: string;
}

export interface ConnectorActivity {
  type?: string;
  attachments?: Array<{ contentType: string; content: unknown }>;
  [key: string]: unknown;
}

export interface BenchConnector {
  url: string;
  /** Removes and returns the reply to the activity with this id, if it arrived. */
  takeReply(activityId: string): ConnectorActivity | undefined;
  close(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
  });
}

/**
 * Starts the connector on a free loopback port.
 *
 * @example
 *   const connector = await startBenchConnector([{ id: '29:sara', name: 'Sara Lind', aadObjectId: '…' }]);
 */
export async function startBenchConnector(roster: RosterMember[]): Promise<BenchConnector> {
  const replies = new Map<string, ConnectorActivity>();
  const server = createServer(async (req, res) => {
    const parts = new URL(req.url ?? '/', 'http://localhost').pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const body = await readJson(req);
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const isConversation = parts[0] === 'v3' && parts[1] === 'conversations';
    // POST /v3/conversations/{id}/activities[/{replyToId}], and PUT for an updated activity
    if (isConversation && parts[3] === 'activities' && (req.method === 'POST' || req.method === 'PUT')) {
      if (req.method === 'POST' && parts[4]) replies.set(parts[4], body as ConnectorActivity);
      return send(200, { id: `reply-${replies.size}` });
    }
    // GET /v3/conversations/{id}/pagedmembers and /v3/conversations/{id}/members
    if (isConversation && req.method === 'GET' && (parts[3] === 'pagedmembers' || parts[3] === 'members')) {
      const members = roster.map((m) => ({ id: m.id, name: m.name, aadObjectId: m.aadObjectId }));
      return send(200, parts[3] === 'pagedmembers' ? { members } : members);
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    takeReply(activityId) {
      const reply = replies.get(activityId);
      replies.delete(activityId);
      return reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
