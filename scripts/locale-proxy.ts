/**
 * A tiny HTTP proxy between the Agents Playground and the bot that rewrites the activities' locale. The
 * Playground hard-codes `locale: "en-US"`; the bot is Swedish first. Used by `npm run playground --
 * --locale sv-SE` and by the end-to-end tests.
 */
import http from 'node:http';
import type net from 'node:net';

export interface LocaleProxy {
  endpoint: string;
  close(): Promise<void>;
}

/** Rewrites `locale` (and clientInfo's locale/country) in activities posted to the bot. Exported for tests. */
export function rewriteActivityLocale(body: unknown, locale: string): unknown {
  if (!body || typeof body !== 'object') return body;
  const activity = body as { locale?: unknown; entities?: unknown };
  if (typeof activity.locale === 'string') activity.locale = locale;
  if (Array.isArray(activity.entities)) {
    const country = locale.split('-')[1];
    for (const entity of activity.entities as Record<string, unknown>[]) {
      if (entity && entity.type === 'clientInfo') {
        if ('locale' in entity) entity.locale = locale;
        if (country && 'country' in entity) entity.country = country.toUpperCase();
      }
    }
  }
  return body;
}

/** Starts the proxy on a free loopback port, forwarding to `target` (the bot's messaging endpoint). */
export async function startLocaleProxy(target: URL, locale: string): Promise<LocaleProxy> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (body.length > 0 && /json/i.test(String(req.headers['content-type'] ?? ''))) {
        try {
          body = Buffer.from(JSON.stringify(rewriteActivityLocale(JSON.parse(body.toString('utf8')), locale)));
        } catch {
          /* not JSON after all: pass through unchanged */
        }
      }
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length) };
      const upstream = http.request(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, path: req.url, method: req.method, headers },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      upstream.once('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`locale proxy: ${error.message}`);
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}${target.pathname}${target.search}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
