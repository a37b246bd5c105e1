/**
 * The owner's HTTP server on 127.0.0.1: the admin API (the same middy route-group handlers as
 * the Lambdas behind API Gateway, fed API Gateway-shaped events) and the portal (the static
 * files of `web/dist`), on one origin so the portal needs no CORS. Every API request is logged
 * to `logs/api-requests.log` (method, path, status, duration, source; never a body or token).
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { appendFile, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { Context } from 'aws-lambda';
import { routeGroupHandler, type AdminApiDeps, type AdminApiHandler } from '../api/admin-api.js';
import { errorResponse, proxyEvent, type ApiEvent, type ApiResult } from '../api/api-http.js';
import { routeGroupFor, routeGroups } from '../api/route-groups.js';
import { NotFoundError, ValidationError } from '../core/errors.js';

/** Larger bodies are refused (400, naming the limit): no request of this API comes near it. */
const MAX_BODY_BYTES = 64 * 1024;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** The portal's headers: only its own scripts and styles, no framing, no referrer. */
const PORTAL_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
} as const;

export interface AdminHttpServerOptions {
  readonly deps: () => Promise<AdminApiDeps>;
  /** The built portal (`web/dist`). */
  readonly portalFolder: string;
  /** `logs/api-requests.log`. */
  readonly requestLog: string;
  /** Preferred port; when taken, any free port. 0: any free port. */
  readonly port: number;
}

export interface AdminHttpServer {
  readonly url: string;
  readonly apiUrl: string;
  close(): Promise<void>;
}

export async function startAdminHttpServer(options: AdminHttpServerOptions): Promise<AdminHttpServer> {
  const handlers = new Map<string, AdminApiHandler>(routeGroups.map((g) => [g.name, routeGroupHandler(g, options.deps)]));
  const server = createServer((req, res) => {
    handle(req, res, handlers, options).catch((err: unknown) => {
      process.stderr.write(`admin HTTP server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal error of the local server');
    });
  });
  const port = await listen(server, options.port).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE' && options.port !== 0) return listen(server, 0);
    throw err;
  });
  const url = `http://127.0.0.1:${String(port)}/`;
  return {
    url,
    apiUrl: `${url}api`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => {
      server.removeListener('listening', onListening);
      reject(err);
    };
    const onListening = (): void => {
      server.removeListener('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/**
 * Only requests addressed to this machine by name: a web page elsewhere could otherwise point a
 * DNS name of its own at 127.0.0.1 (DNS rebinding) and use the portal's origin from the browser.
 */
function isLocalHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
}

async function handle(req: IncomingMessage, res: ServerResponse, handlers: ReadonlyMap<string, AdminApiHandler>, options: AdminHttpServerOptions): Promise<void> {
  if (!isLocalHost(req.headers.host)) {
    res.writeHead(403, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ success: false, error: `this server answers requests for 127.0.0.1 or localhost only, not for "${(req.headers.host ?? '').slice(0, 100)}"` }));
    return;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
    const started = Date.now();
    const requestId = randomUUID();
    const result = await callApi(req, url, requestId, handlers);
    res.writeHead(result.statusCode, { ...stringHeaders(result.headers), 'X-Request-Id': requestId });
    res.end(result.body);
    const line = { time: new Date(started).toISOString(), requestId, method: req.method, path: url.pathname, status: result.statusCode, ms: Date.now() - started, source: req.socket.remoteAddress };
    await appendFile(options.requestLog, `${JSON.stringify(line)}\n`, { mode: 0o600 }).catch(() => undefined);
    return;
  }
  await servePortal(url.pathname, res, options.portalFolder);
}

function stringHeaders(headers: ApiResult['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

async function callApi(req: IncomingMessage, url: URL, requestId: string, handlers: ReadonlyMap<string, AdminApiHandler>): Promise<ApiResult> {
  try {
    const group = routeGroupFor(url.pathname);
    const handler = group ? handlers.get(group.name) : undefined;
    if (!handler) throw new NotFoundError(`no route ${req.method ?? 'GET'} ${url.pathname}: GET /api/openapi.json lists them`);
    const event = await apiGatewayEvent(req, url, requestId);
    return await handler(event, { awsRequestId: requestId, functionName: `wing-admin-api-${group?.name ?? 'unknown'}`, getRemainingTimeInMillis: () => 29_000 } as Context);
  } catch (err) {
    return errorResponse(err);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new ValidationError(`the request body is larger than ${String(MAX_BODY_BYTES)} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The request as API Gateway (REST, proxy integration) hands it to a Lambda. */
async function apiGatewayEvent(req: IncomingMessage, url: URL, requestId: string): Promise<ApiEvent> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
  return proxyEvent({ method: req.method ?? 'GET', url, headers, body: await readBody(req), sourceIp: req.socket.remoteAddress ?? 'unknown', requestId });
}

async function servePortal(pathname: string, res: ServerResponse, folder: string): Promise<void> {
  if (pathname === '/config.json') {
    res.writeHead(200, { ...PORTAL_HEADERS, 'Content-Type': CONTENT_TYPES['.json'] ?? 'application/json', 'Cache-Control': 'no-store' });
    res.end(JSON.stringify({ apiUrl: '/api' }));
    return;
  }
  const root = normalize(folder);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const candidate = normalize(join(root, relative));
  // Never outside the portal folder; unknown paths get the single-page app's index.
  let file = candidate.startsWith(root + sep) && (await isFile(candidate)) ? candidate : join(root, 'index.html');
  if (!(await isFile(file))) {
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`The portal is not built (${join(root, 'index.html')} is missing): run "npm run build", then reload.\n`);
    return;
  }
  file = normalize(file);
  const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
  res.writeHead(200, { ...PORTAL_HEADERS, 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': cache });
  // A file removed meanwhile (a rebuild while npm start runs) ends this answer, not the server.
  await pipeline(createReadStream(file), res).catch(() => {
    res.destroy();
  });
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
