import path from 'node:path';
import { RENDERER_MIME as MIME } from '../../core/api/rendererMime';

/**
 * The renderer's own origin in Electron: `shotbox-app://app/…` serves the built renderer folder,
 * nothing else. A custom standard, secure scheme instead of file:// gives the page a real origin
 * ('self' in the CSP means this folder, not the whole disk) and lets main check each sender
 * frame against one origin.
 */
export const APP_SCHEME = 'shotbox-app';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `rendererDir` an app URL names, or null when the URL is not ours or its path
 * climbs out of the folder (`..`, encoded separators, NUL).
 */
export function resolveAppAsset(rendererDir: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${rel === '/' ? '/index.html' : rel}`);
  return file.startsWith(root + path.sep) ? file : null;
}

/** True for a URL of the app's own origin (the page, its assets). */
export function isAppUrl(url: string, devServerUrl: string | null): boolean {
  if (devServerUrl) return sameOrigin(url, devServerUrl);
  return sameOrigin(url, APP_ORIGIN);
}

function sameOrigin(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    // Custom schemes report origin "null"; compare scheme and host instead.
    return x.protocol === y.protocol && x.host === y.host;
  } catch {
    return false;
  }
}
