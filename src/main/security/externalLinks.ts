/**
 * Links the app may open in the user's browser: https only, and only to the project's own
 * documentation hosts. Anything else a page asks for (a link in an imported file name, a
 * compromised renderer) is refused; an allowed link still opens only after the user confirms.
 */
export const EXTERNAL_LINK_HOSTS: readonly string[] = [
  'github.com',
  'onnxruntime.ai',
  'www.electronjs.org',
];

export function isAllowedExternalLink(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === 'https:' &&
    u.username === '' &&
    u.password === '' &&
    u.port === '' &&
    EXTERNAL_LINK_HOSTS.includes(u.hostname)
  );
}
