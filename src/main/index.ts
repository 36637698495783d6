import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  protocol,
  session,
  shell,
  type IpcMainInvokeEvent,
  type MenuItemConstructorOptions,
} from 'electron';
import { ShotboxError, toSerializedError, type IpcOutcome } from '../shared/api/errors';
import { createBackend, dispatch, type Backend } from '../core/api/backend';
import type { ModelFileAccess } from '../core/api/modelMethods';
import { NotFoundError, serveImage } from '../core/api/imageServing';
import { ProjectDb } from '../core/db/projectDb';
import { openFolderProject } from '../core/project/openFolderProject';
import type { BackendEvent } from '../shared/api/contract';
import { IMAGE_PROTOCOL } from '../shared/api/imageUrls';
import { METHOD_NAMES } from '../shared/api/methods';
import { APP_ENTRY, APP_SCHEME, isAppUrl, mimeType, resolveAppAsset } from './security/appProtocol';
import { devRendererUrl, isDevelopment, type BuildFacts } from './security/buildMode';
import { isAllowedExternalLink } from './security/externalLinks';
import { utilityWorker } from './utilityWorker';
import { keepOrtTelemetryOff } from '../core/detector/ortTelemetry';

/**
 * Electron main process: windows, menus, dialogs and the IPC wiring of the API contract to
 * src/core — thin. Security per DESIGN.md §10 and docs/SECURITY.md §8: sandboxed, isolated
 * renderer loaded from our own privileged scheme (not file://); no navigation, redirects, frames
 * or new windows; no permissions; external links only to an allow-list, after a confirmation;
 * every IPC message checked for its sender and validated against the contract; images only
 * through our protocol, by id; the dev server URL and DevTools only in development builds.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '../renderer');
const build: BuildFacts = {
  isPackaged: app.isPackaged,
  // electron-vite replaces import.meta.env.DEV: true only in `electron-vite dev`.
  isDevBuild: import.meta.env?.DEV === true,
  env: process.env,
};
const development = isDevelopment(build);
const rendererUrl = devRendererUrl(build);
/** Edits wait this long for another program's write lock before answering "locked". */
const WRITE_LOCK_WAIT_MS = 250;
if (app.isPackaged && !process.env.SHOTBOX_MODELS_DIR) {
  process.env.SHOTBOX_MODELS_DIR = path.join(process.resourcesPath, 'models');
}

protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
  },
  {
    scheme: IMAGE_PROTOCOL,
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false },
  },
]);

let win: BrowserWindow | undefined;
let project: ProjectDb | null = null;

/**
 * "Add model…": the page may name only a file this native dialog returned (DESIGN §10), so a
 * compromised page cannot make main read an arbitrary path.
 */
const chosenModelFiles = new Set<string>();
const modelFiles: ModelFileAccess = {
  async choose() {
    const r = await dialog.showOpenDialog(win!, {
      title: 'Add a model (ONNX)',
      properties: ['openFile'],
      filters: [{ name: 'ONNX models', extensions: ['onnx'] }],
    });
    const file = r.filePaths[0];
    if (r.canceled || !file) return null;
    chosenModelFiles.add(file);
    return file;
  },
  resolve(requested) {
    if (!chosenModelFiles.has(requested)) {
      throw new ShotboxError(
        'forbidden',
        'only a file chosen in the Add model dialog can be added',
        'ModelFileNotChosenError',
      );
    }
    return requested;
  },
};

let backend: Backend = createBackend({
  shell: 'electron',
  version: app.getVersion(),
  project: null,
  emit,
  modelFiles,
});

function emit(event: BackendEvent): void {
  win?.webContents.send('shotbox:event', event);
}

// --- state remembered between launches -------------------------------------------------------

interface SavedState {
  bounds?: { x: number; y: number; width: number; height: number };
  maximized?: boolean;
  lastProject?: string;
}
const stateFile = (): string => path.join(app.getPath('userData'), 'window-state.json');
function loadState(): SavedState {
  try {
    return JSON.parse(readFileSync(stateFile(), 'utf8')) as SavedState;
  } catch {
    return {};
  }
}
function saveState(patch: SavedState): void {
  mkdirSync(path.dirname(stateFile()), { recursive: true });
  writeFileSync(stateFile(), JSON.stringify({ ...loadState(), ...patch }));
}

// --- projects ---------------------------------------------------------------------------------

async function switchProject(next: ProjectDb): Promise<void> {
  await backend.dispose();
  project?.close();
  project = next;
  // The driver is synchronous: main must not freeze for seconds behind another program's lock.
  project.setBusyTimeout(WRITE_LOCK_WAIT_MS);
  backend = createBackend({
    shell: 'electron',
    version: app.getVersion(),
    project,
    emit,
    modelFiles,
    spawnWorker: utilityWorker,
  });
  saveState({ lastProject: project.file });
  win?.setTitle(`${path.basename(project.file)} — Shotbox`);
  emit({ type: 'project-changed', reason: 'opened' });
}

async function openProjectDialog(): Promise<void> {
  const r = await dialog.showOpenDialog(win!, {
    title: 'Open project',
    properties: ['openFile'],
    filters: [{ name: 'Shotbox projects', extensions: ['shotbox'] }],
  });
  if (r.canceled || !r.filePaths[0]) return;
  try {
    await switchProject(ProjectDb.open(r.filePaths[0], { onDamage: 'read-only' }));
  } catch (err) {
    dialog.showErrorBox('Cannot open project', err instanceof Error ? err.message : String(err));
  }
}

/** A folder of images becomes a project: `<folder>/<folder name>.shotbox`, images imported. */
async function openFolderDialog(): Promise<void> {
  const r = await dialog.showOpenDialog(win!, {
    title: 'Open a folder of images',
    properties: ['openDirectory'],
  });
  const folder = r.filePaths[0];
  if (r.canceled || !folder) return;
  try {
    const { project: opened } = openFolderProject(folder);
    await switchProject(opened);
    // As a job: listed with its failed files, resumed after a kill (see importImageRoot).
    await backend.importImageRoot();
  } catch (err) {
    dialog.showErrorBox('Cannot open folder', err instanceof Error ? err.message : String(err));
  }
}

// --- IPC and the image protocol ----------------------------------------------------------------

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  if (!win || event.sender !== win.webContents) return false;
  // The top frame of our window, showing our own origin: never an iframe, never another page.
  return event.senderFrame === win.webContents.mainFrame && isAppUrl(url, rendererUrl);
}

function wireContract(): void {
  for (const method of METHOD_NAMES) {
    // The outcome travels as data: a thrown error would reach the page as a bare message (IPC
    // keeps nothing else), so the error shape (name, code, message; no stack) is returned.
    ipcMain.handle(`shotbox:${method}`, async (event, request: unknown): Promise<IpcOutcome> => {
      if (!isTrustedSender(event)) {
        const refused = new ShotboxError(
          'forbidden',
          `refused ${method} from ${event.senderFrame?.url ?? 'an unknown frame'}`,
        );
        return { ok: false, error: refused.toJSON() };
      }
      try {
        return { ok: true, value: await dispatch(backend, method, request) };
      } catch (err) {
        return { ok: false, error: toSerializedError(err) };
      }
    });
  }
}

/** The built renderer, served from its folder only (no directory listing, no other file). */
function wireAppProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppAsset(rendererDir, request.url);
    if (!file) return new Response('not found', { status: 404 });
    try {
      return new Response(new Uint8Array(await readFile(file)), {
        headers: { 'Content-Type': mimeType(file), 'X-Content-Type-Options': 'nosniff' },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

/** Opens an allowed https link in the user's browser after asking; anything else is refused. */
async function openExternalLink(url: string): Promise<void> {
  if (!isAllowedExternalLink(url)) return;
  const { response } = await dialog.showMessageBox(win!, {
    type: 'question',
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: 'Open this link in your browser?',
    detail: url,
  });
  if (response === 0) await shell.openExternal(url);
}

function wireImageProtocol(): void {
  protocol.handle(IMAGE_PROTOCOL, async (request) => {
    const url = new URL(request.url);
    const id = Number(url.pathname.replace(/^\//, ''));
    if (!project || !Number.isInteger(id) || id <= 0)
      return new Response('not found', { status: 404 });
    try {
      const img = await serveImage(project, id, url.hostname === 'thumb' ? 'thumb' : 'full');
      return new Response(new Uint8Array(img.body), {
        headers: { 'Content-Type': img.contentType, ETag: img.etag },
      });
    } catch (err) {
      return new Response(err instanceof Error ? err.message : 'error', {
        status: err instanceof NotFoundError ? 404 : 500,
      });
    }
  });
}

// --- window and menu --------------------------------------------------------------------------

function createWindow(): BrowserWindow {
  const saved = loadState();
  const w = new BrowserWindow({
    ...(saved.bounds ?? { width: 1280, height: 800 }),
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Shotbox',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      spellcheck: false,
      devTools: development,
      navigateOnDragDrop: false,
    },
  });
  if (saved.maximized) w.maximize();
  w.once('ready-to-show', () => w.show());
  w.on('close', () => saveState({ bounds: w.getNormalBounds(), maximized: w.isMaximized() }));
  w.webContents.setWindowOpenHandler(({ url }) => {
    void openExternalLink(url);
    return { action: 'deny' };
  });
  void w.loadURL(rendererUrl ?? APP_ENTRY);
  return w;
}

function buildMenu(): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => void openFolderDialog() },
        {
          label: 'Open Project…',
          accelerator: 'CmdOrCtrl+Shift+O',
          click: () => void openProjectDialog(),
        },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    // Undo/redo are the workbench's own (Ctrl+Z in the page); the Edit menu keeps text editing.
    { role: 'editMenu' },
    // View without DevTools outside development (the role menu would include them).
    development
      ? { role: 'viewMenu' }
      : {
          label: 'View',
          submenu: [
            { role: 'resetZoom' },
            { role: 'zoomIn' },
            { role: 'zoomOut' },
            { type: 'separator' },
            { role: 'togglefullscreen' },
          ],
        },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'Keyboard shortcuts',
          accelerator: 'Shift+/',
          click: () => win?.webContents.sendInputEvent({ type: 'char', keyCode: '?' }),
        },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

keepOrtTelemetryOff();
app.enableSandbox();
app.whenReady().then(async () => {
  // The workbench needs no permission at all: refuse requests and checks, and devices.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.setDevicePermissionHandler(() => false);
  wireAppProtocol();
  wireContract();
  wireImageProtocol();
  buildMenu();
  const last = process.env.SHOTBOX_PROJECT ?? loadState().lastProject;
  if (last && existsSync(last)) {
    try {
      await switchProject(ProjectDb.open(last, { onDamage: 'read-only' }));
    } catch {
      // A project that cannot be opened any more is simply not reopened.
    }
  }
  win = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createWindow();
  });
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // No page of ours ever navigates: the renderer is one page. Frames and redirects included.
  const stayHome = (event: { preventDefault(): void }, url: string): void => {
    if (!isAppUrl(url, rendererUrl)) event.preventDefault();
  };
  contents.on('will-navigate', (event) => stayHome(event, event.url));
  contents.on('will-frame-navigate', (event) => stayHome(event, event.url));
  contents.on('will-redirect', (event) => stayHome(event, event.url));
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  void backend.dispose();
  project?.close();
  if (process.platform !== 'darwin') app.quit();
});
