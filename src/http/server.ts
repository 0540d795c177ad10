/**
 * The HTTP surface: `POST /api/messages` for Bot Framework activities and `GET /healthz` for the load
 * balancer. Bad input is answered with a 4xx at once and never reaches the bot; errors never leak
 * internals into a response body.
 */
import type { AddressInfo } from 'node:net';
import restify, { type Request, type Response } from 'restify';
import type { Activity, InvokeResponse, TurnContext } from 'botbuilder';
import { isAllowedServiceUrl, type ServiceHostPolicy } from '../domain/service-hosts';
import type { Logger } from '../logger';
import { activityTypeForLog, type TurnOutcome } from '../teams/turn';

/** The part of the bot the server drives (the adapter's processActivity and the app's run). */
export interface ActivityProcessor {
  processActivity(authHeader: string, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined>;
}

export interface ServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Activities whose serviceUrl is not on these hosts are refused (loopback only in local mode). */
  serviceHosts: ServiceHostPolicy;
  adapter: ActivityProcessor;
  runTurn: (context: TurnContext) => Promise<TurnOutcome>;
  checkHealth: () => Promise<boolean>;
  logger: Logger;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

function readBody(req: Request, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new BadRequest(413, 'body_too_large'));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    req.on('data', (chunk: Buffer) => {
      if (rejected) return;
      size += chunk.length;
      if (size > maxBytes) {
        rejected = true;
        reject(new BadRequest(413, 'body_too_large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!rejected) resolve(Buffer.concat(chunks));
    });
    req.on('error', () => {
      if (!rejected) reject(new BadRequest(400, 'body_unreadable'));
    });
  });
}

/** Parses and checks a request body as a Bot Framework activity; throws BadRequest otherwise. */
export function parseActivity(body: Buffer, serviceHosts: ServiceHostPolicy): Activity {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadRequest(400, 'invalid_json');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest(400, 'not_an_object');
  const activity = parsed as Partial<Activity>;
  if (typeof activity.type !== 'string' || activity.type === '') throw new BadRequest(400, 'missing_type');
  // Without a serviceUrl botbuilder would reply to its default host: nothing to answer to, so refused.
  if (activity.serviceUrl === undefined || activity.serviceUrl === '') throw new BadRequest(400, 'missing_service_url');
  if (typeof activity.serviceUrl !== 'string') throw new BadRequest(400, 'invalid_service_url');
  if (activity.conversation !== undefined && (typeof activity.conversation !== 'object' || typeof activity.conversation?.id !== 'string')) {
    throw new BadRequest(400, 'invalid_conversation');
  }
  if (activity.from !== undefined && (typeof activity.from !== 'object' || activity.from === null)) throw new BadRequest(400, 'invalid_from');
  if (activity.text !== undefined && typeof activity.text !== 'string') throw new BadRequest(400, 'invalid_text');
  // The bot's replies (and, with credentials, its token) go to the serviceUrl: only to allowed hosts.
  if (!isAllowedServiceUrl(activity.serviceUrl, serviceHosts)) {
    throw new BadRequest(403, serviceHosts.kind === 'loopback' ? 'service_url_not_loopback' : 'service_url_not_allowed');
  }
  return activity as Activity;
}

/** Bot Framework posts JSON; anything else is refused before the body is read. */
function isJsonContentType(header: string | undefined): boolean {
  return /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(header ?? '');
}

/**
 * Starts the HTTP server.
 *
 * @example
 *   const server = await startServer({ host: '127.0.0.1', port: 3978, ... });
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { logger } = options;
  const server = restify.createServer({ name: 'resursgrupp-bot', handleUncaughtExceptions: false });

  server.get('/healthz', async (_req: Request, res: Response) => {
    const healthy = await options.checkHealth().catch(() => false);
    res.send(healthy ? 200 : 503, { status: healthy ? 'ok' : 'unavailable' });
  });

  server.post('/api/messages', async (req: Request, res: Response) => {
    let activity: Activity;
    try {
      if (!isJsonContentType(req.headers['content-type'])) {
        req.resume();
        throw new BadRequest(415, 'unsupported_media_type');
      }
      activity = parseActivity(await readBody(req, options.maxBodyBytes), options.serviceHosts);
    } catch (error) {
      const bad = error instanceof BadRequest ? error : new BadRequest(400, 'bad_request');
      logger.warn('http.rejected', { status: bad.status, code: bad.code });
      res.send(bad.status, { error: bad.code });
      return;
    }
    const authHeader = String(req.headers.authorization ?? '');
    // Nothing the caller sent is logged before authentication but known values (see activityTypeForLog).
    const activityType = activityTypeForLog(activity.type);
    let outcome: TurnOutcome | undefined;
    let turnStarted = false;
    try {
      const invokeResponse = await options.adapter.processActivity(authHeader, activity, async (context) => {
        turnStarted = true;
        outcome = await options.runTurn(context);
      });
      if (outcome === 'refused') {
        res.send(403, { error: 'forbidden' });
      } else if (outcome === undefined || (outcome === 'redeliver' && activity.type !== 'invoke')) {
        // 500 makes the Bot Connector deliver the activity again; the turn released its claim.
        res.send(500, { error: 'turn_failed' });
      } else if (invokeResponse?.body !== undefined) {
        res.send(invokeResponse.status ?? 200, invokeResponse.body);
      } else {
        res.send(invokeResponse?.status ?? 200);
      }
    } catch (error) {
      if (!turnStarted) {
        // Any failure before the turn is an authentication failure: the token could not be validated.
        logger.warn('http.unauthorized', { activityType, reason: (error as { reason?: string })?.reason ?? 'invalid_token' });
        res.send(401, { error: 'unauthorized' });
        return;
      }
      logger.error('http.failed', { activityType, errorName: (error as Error)?.name });
      res.send(500, { error: 'internal_error' });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
