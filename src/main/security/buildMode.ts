/**
 * Development-only switches. electron-vite sets ELECTRON_RENDERER_URL for `npm run dev` (its
 * dev server); a packaged or production build ignores it, so an environment variable can never
 * point the app's privileged window (with the preload bridge) at another page. DevTools follow
 * the same rule.
 */
export interface BuildFacts {
  /** app.isPackaged */
  isPackaged: boolean;
  /** electron-vite's import.meta.env.DEV: true only in `electron-vite dev` builds. */
  isDevBuild: boolean;
  env: Record<string, string | undefined>;
}

export function isDevelopment(facts: BuildFacts): boolean {
  return !facts.isPackaged && facts.isDevBuild;
}

/** The dev server URL to load, or null: only in development, and only a loopback http URL. */
export function devRendererUrl(facts: BuildFacts): string | null {
  const url = facts.env.ELECTRON_RENDERER_URL;
  if (!url || !isDevelopment(facts)) return null;
  try {
    const u = new URL(url);
    const loopback =
      u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
    return u.protocol === 'http:' && loopback ? url : null;
  } catch {
    return null;
  }
}
