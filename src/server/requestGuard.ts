import type http from 'node:http';

/**
 * The checks that tell this server's own page (and scripts holding the token) from everything
 * else on the machine (DESIGN.md §10, docs/SECURITY.md §2). Cookies ignore ports, so any page
 * served from another port of 127.0.0.1 sends our cookie along; these refuse what it can forge.
 */
export interface Guard {
  port: number;
  /** This instance's cookie name. */
  cookie: string;
}

export interface Refusal {
  status: number;
  message: string;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost'];

/** The Host must name this server: another name is DNS rebinding (evil.example → 127.0.0.1). */
export function checkHost(req: http.IncomingMessage, guard: Guard): Refusal | null {
  const host = (req.headers.host ?? '').toLowerCase();
  if (LOOPBACK_NAMES.some((name) => host === `${name}:${guard.port}`)) return null;
  return { status: 421, message: 'wrong Host: use the URL printed by `shotbox serve`' };
}

/**
 * Browsers label every request with where it came from (Fetch Metadata). Another site, or another
 * port of this machine ("same-site"), never gets anything; "none" is the user opening the URL.
 */
export function checkFetchSite(req: http.IncomingMessage): Refusal | null {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site')
    return { status: 403, message: 'requests from other pages are refused' };
  return null;
}

function ownOrigins(guard: Guard): string[] {
  return LOOPBACK_NAMES.map((name) => `http://${name}:${guard.port}`);
}

/**
 * An API request must come from this server's page (its Origin, or `Sec-Fetch-Site:
 * same-origin`) unless it carries the bearer token, which no other page can know; a foreign
 * Origin is refused either way. Calls must be JSON: a form (text/plain, urlencoded, multipart)
 * is what a forged cross-origin request can send without a CORS preflight.
 */
export function checkApiRequest(
  req: http.IncomingMessage,
  guard: Guard,
  auth: 'bearer' | 'cookie',
  isEventStream: boolean,
): Refusal | null {
  const origin = req.headers.origin;
  const sameOrigin = req.headers['sec-fetch-site'] === 'same-origin';
  if (origin !== undefined && !ownOrigins(guard).includes(origin))
    return { status: 403, message: 'requests from other origins are refused' };
  if (auth === 'cookie' && origin === undefined && !sameOrigin)
    return { status: 403, message: 'API calls must come from the Shotbox page (no Origin)' };
  if (isEventStream) return null;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    return { status: 415, message: 'API calls must have Content-Type: application/json' };
  return null;
}
