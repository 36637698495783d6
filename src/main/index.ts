import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, session, shell, type IpcMainInvokeEvent } from 'electron';
import { createBackend, dispatch } from '../core/api/backend';
import { METHODS } from '../shared/api/contract';

/**
 * Electron main process: windows and the IPC wiring of the API contract to src/core — thin.
 * Security per DESIGN.md §10: sandboxed, isolated renderer; no navigation, no new windows; every
 * IPC message checked for its sender and validated against the contract.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const backend = createBackend('electron', app.getVersion());

if (app.isPackaged && !process.env.SHOTBOX_MODELS_DIR) {
  process.env.SHOTBOX_MODELS_DIR = path.join(process.resourcesPath, 'models');
}

function isTrustedSender(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  if (rendererUrl) return url.startsWith(rendererUrl);
  return (
    url.startsWith('file://') &&
    decodeURIComponent(new URL(url).pathname).endsWith('/renderer/index.html')
  );
}

function wireContract(): void {
  for (const method of METHODS) {
    ipcMain.handle(`shotbox:${method}`, async (event, request: unknown) => {
      if (!isTrustedSender(event))
        throw new Error(`refused ${method} from ${event.senderFrame?.url ?? 'unknown frame'}`);
      return dispatch(backend, method, request);
    });
  }
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
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
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  if (rendererUrl) void win.loadURL(rendererUrl);
  else void win.loadFile(path.join(here, '../renderer/index.html'));
  return win;
}

app.enableSandbox();
app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) =>
    callback(false),
  );
  wireContract();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
