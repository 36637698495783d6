import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_ENTRY, isAppUrl, resolveAppAsset } from '../../../src/main/security/appProtocol';
import { devRendererUrl } from '../../../src/main/security/buildMode';
import { isAllowedExternalLink } from '../../../src/main/security/externalLinks';

// Issue 8.8: the policies main applies to the window (the Electron binary cannot run here; the
// wiring in src/main/index.ts is reviewed, these decisions are tested).
describe('the renderer protocol', () => {
  const dir = path.resolve('/opt/shotbox/out/renderer');

  it('serves the renderer folder under shotbox-app://app, and nothing outside it', () => {
    expect(resolveAppAsset(dir, APP_ENTRY)).toBe(path.join(dir, 'index.html'));
    expect(resolveAppAsset(dir, 'shotbox-app://app/')).toBe(path.join(dir, 'index.html'));
    expect(resolveAppAsset(dir, 'shotbox-app://app/assets/index-1.js')).toBe(
      path.join(dir, 'assets', 'index-1.js'),
    );
    // Climbing attempts end inside the folder (the URL parser folds `..`) or are refused.
    for (const url of [
      'shotbox-app://app/../secret.txt',
      'shotbox-app://app/%2e%2e/%2e%2e/etc/passwd',
      'shotbox-app://app/assets/..%2f..%2f..%2fetc%2fpasswd',
      'shotbox-app://app/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd',
    ]) {
      const file = resolveAppAsset(dir, url);
      if (file !== null) expect(file.startsWith(dir + path.sep), url).toBe(true);
    }
    for (const url of [
      'shotbox-app://app/a%00.js',
      'shotbox-app://app/..%5c..%5cwin.ini',
      'shotbox-app://other/index.html',
      'file:///etc/passwd',
      'https://app/index.html',
      'not a url',
    ])
      expect(resolveAppAsset(dir, url), url).toBeNull();
  });

  it('knows its own origin, and the dev server only when one is in use', () => {
    expect(isAppUrl('shotbox-app://app/index.html', null)).toBe(true);
    expect(isAppUrl('shotbox-app://evil/index.html', null)).toBe(false);
    expect(isAppUrl('file:///tmp/out/renderer/index.html', null)).toBe(false);
    expect(isAppUrl('https://evil.example/', null)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173/')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
  });
});

describe('development switches', () => {
  const env = { ELECTRON_RENDERER_URL: 'http://localhost:5173/' };

  it('honours ELECTRON_RENDERER_URL only in a development build that is not packaged', () => {
    expect(devRendererUrl({ isPackaged: false, isDevBuild: true, env })).toBe(
      'http://localhost:5173/',
    );
    expect(devRendererUrl({ isPackaged: true, isDevBuild: true, env })).toBeNull();
    expect(devRendererUrl({ isPackaged: false, isDevBuild: false, env })).toBeNull();
  });

  it('never loads a remote page as the app, even in development', () => {
    for (const url of ['https://evil.example/', 'http://192.168.1.5:5173/', 'file:///tmp/x.html'])
      expect(
        devRendererUrl({
          isPackaged: false,
          isDevBuild: true,
          env: { ELECTRON_RENDERER_URL: url },
        }),
      ).toBeNull();
  });
});

describe('external links', () => {
  it('allows https links to the documentation hosts only', () => {
    expect(isAllowedExternalLink('https://github.com/vladmandic/face-api')).toBe(true);
    expect(isAllowedExternalLink('https://onnxruntime.ai/docs/')).toBe(true);
    for (const url of [
      'http://github.com/',
      'https://github.com.evil.example/',
      'https://user@github.com/',
      'https://github.com:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://evil.example/',
    ])
      expect(isAllowedExternalLink(url), url).toBe(false);
  });
});
