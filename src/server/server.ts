import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { BackendEvent } from '../shared/api/contract';
import { httpStatusOf, ShotboxError, toSerializedError } from '../shared/api/errors';
import { createBackend, dispatch, ValidationError, type Backend } from '../core/api/backend';
import { FolderRoots } from '../core/api/folderRoots';
import { serveImage } from '../core/api/imageServing';
import type { ProjectDb } from '../core/db/projectDb';
import { checkApiRequest, checkHost, checkFetchSite, type Guard } from './requestGuard';
import { RENDERER_MIME as MIME } from '../core/api/rendererMime';

/**
 * Browser mode (DESIGN.md §2, §10): the built renderer and the API contract over HTTP, bound to
 * 127.0.0.1, behind a per-launch token. The token arrives once in the URL (`/?token=…`), is moved
 * into an HttpOnly, SameSite=Strict cookie named after this instance's port, and every request
 * without it is refused with 401. Cookies ignore ports, so other local pages (any port of
 * 127.0.0.1) would send it too: the checks in `requestGuard.ts` refuse requests whose Host,
 * Origin, fetch metadata or content type show they were not made by this server's own page.
 */
export interface ServerOptions {
  /** Folder of the built renderer (index.html + assets). */
  rendererDir: string;
  port?: number;
  version: string;
  /** The open project (null: the UI says how to open one). */
  project: ProjectDb | null;
  /**
   * Folders (`--root`) under which the page may open projects and folders. Projects opened that
   * way are closed by the server; the one given in `project` stays its owner's.
   */
  roots?: string[];
  /** Fixed token (tests); default: 32 random bytes. */
  token?: string;
}

export interface RunningServer {
  url: string;
  /** The URL to open: includes the token. */
  openUrl: string;
  token: string;
  close(): Promise<void>;
}

// Same policy as the Electron window: nothing remote, no inline script.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const MAX_BODY = 1 << 20;
/** How long an edit waits for another program's write lock before answering 503. */
export const WRITE_LOCK_WAIT_MS = 250;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const rendererDir = path.resolve(options.rendererDir);
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new Error(`no built renderer in ${rendererDir} (run \`npm run build\`)`);
  }
  const listeners = new Set<http.ServerResponse>();
  const emit = (event: BackendEvent): void => {
    const data = `data: ${JSON.stringify(event)}

`;
    for (const res of listeners) res.write(data);
  };
  const roots = FolderRoots.fromCommandLine(options.roots ?? []);
  let project = options.project;
  let opened: ProjectDb | null = null; // a project the page opened: ours to close
  const makeBackend = (p: ProjectDb | null): Backend => {
    // The driver is synchronous: a write waiting for another program's lock stalls every
    // request, so wait briefly and answer 503 (reads in WAL mode never wait).
    p?.setBusyTimeout(WRITE_LOCK_WAIT_MS);
    return createBackend({
      shell: 'browser',
      version: options.version,
      project: p,
      emit,
      workspace: { roots, switchProject },
    });
  };
  async function switchProject(next: ProjectDb): Promise<Backend> {
    const old = api;
    const previous = opened;
    api = makeBackend(next);
    project = next;
    opened = next;
    await old.dispose();
    if (previous && previous !== next) previous.close();
    emit({ type: 'project-changed', reason: 'opened' });
    return api;
  }
  let api = makeBackend(project);

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
    });
  });

  // Set once the port is known (listen below); requests cannot arrive before that.
  let guard: Guard = { port: -1, cookie: '' };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const refusal = checkHost(req, guard) ?? checkFetchSite(req);
    if (refusal) {
      sendRefusal(res, refusal);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && safeEqual(fromQuery, token)) {
      // Move the token out of the address bar (and out of history) into a cookie. Always to
      // `/` (the rest of the query kept): echoing the path back made `/.//evil.example/?token=…`
      // an open redirect.
      url.searchParams.delete('token');
      res.writeHead(303, {
        'Set-Cookie': `${guard.cookie}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: `/${url.search}`,
      });
      res.end();
      return;
    }
    const auth = authorisation(req, token, guard.cookie);
    if (!auth) {
      sendError(
        res,
        new ShotboxError(
          'unauthorized',
          'missing or wrong token: open the URL printed by `shotbox serve`',
        ),
      );
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const bad = checkApiRequest(req, guard, auth, url.pathname === '/api/events');
      if (bad) {
        sendRefusal(res, bad);
        return;
      }
    }
    if (url.pathname === '/api/events') {
      // Server-sent events: job progress for the page.
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      listeners.add(res);
      req.on('close', () => listeners.delete(res));
      return;
    }
    const imageRoute = /^\/(image|thumb)\/(\d{1,12})$/.exec(url.pathname);
    if (imageRoute) {
      if (!project) {
        sendError(res, new ShotboxError('no-project', 'no project is open'));
        return;
      }
      try {
        const img = await serveImage(
          project,
          Number(imageRoute[2]),
          imageRoute[1] === 'thumb' ? 'thumb' : 'full',
        );
        if (req.headers['if-none-match'] === img.etag) {
          res.writeHead(304, { ETag: img.etag });
          res.end();
          return;
        }
        res.writeHead(200, {
          'Content-Type': img.contentType,
          'Content-Length': img.body.length,
          ETag: img.etag,
          // Content-addressed: the same id may get new pixels only through a new hash (ETag).
          'Cache-Control': 'private, max-age=3600',
        });
        res.end(img.body);
      } catch (err) {
        sendError(res, err);
      }
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        sendError(res, new ShotboxError('invalid-request', 'API calls are POST'));
        return;
      }
      try {
        const body = await readJson(req);
        const result = await dispatch(api, url.pathname.slice('/api/'.length), body);
        send(res, 200, result);
      } catch (err) {
        sendError(res, err);
      }
      return;
    }
    serveStatic(url.pathname, res);
  }

  function serveStatic(pathname: string, res: http.ServerResponse): void {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      sendError(res, new ShotboxError('invalid-request', 'bad path'));
      return;
    }
    const file = path.resolve(rendererDir, `.${rel === '/' ? '/index.html' : rel}`);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) {
      sendError(res, new ShotboxError('forbidden', 'outside the renderer folder'));
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      sendError(res, new ShotboxError('not-found', 'not found'));
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'Cache-Control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  // One cookie per instance: a second server on another port no longer overwrites this one's.
  guard = { port, cookie: `shotbox_token_${port}` };
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const l of listeners) l.end();
        void api.dispose().then(() => opened?.close());
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** How the request proved it holds the token: a script's bearer header, or the page's cookie. */
function authorisation(
  req: http.IncomingMessage,
  token: string,
  cookieName: string,
): 'bearer' | 'cookie' | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7), token)) return 'bearer';
  const cookie = req.headers.cookie ?? '';
  for (const part of cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === cookieName && safeEqual(rest.join('='), token)) return 'cookie';
  }
  return null;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ValidationError('request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ValidationError('request body is not JSON');
  }
}

/** Every error leaves as `{ error: { name, code, message } }` with the status of its code. */
function sendError(res: http.ServerResponse, err: unknown): void {
  const error = toSerializedError(err);
  send(res, httpStatusOf(error.code), { error });
}

/** A request the guard turns away (wrong Host, foreign page, not JSON): its own status, the shape. */
function sendRefusal(res: http.ServerResponse, refusal: { status: number; message: string }): void {
  send(res, refusal.status, {
    error: toSerializedError(new ShotboxError('forbidden', refusal.message, 'RequestRefused')),
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
