/**
 * Electron main process: one window, locked down per Electron's security checklist (context isolation,
 * sandbox, no Node in the renderer, a strict Content-Security-Policy, no navigation, no new windows), and
 * IPC handlers that check who is asking before they answer.
 */
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, type IpcMainInvokeEvent, session, shell } from 'electron';
import { type AppInfo, CHANNELS } from '../shared/api.js';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // pixi.js sets inline styles on its canvas.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

let mainWindow: BrowserWindow | null = null;

/** Only our own window's top frame may call the API. */
function fromOurWindow(event: IpcMainInvokeEvent): boolean {
  return mainWindow !== null && event.sender === mainWindow.webContents && event.senderFrame === mainWindow.webContents.mainFrame;
}

function handle<T>(channel: string, fn: () => T | Promise<T>): void {
  ipcMain.handle(channel, (event) => {
    if (!fromOurWindow(event)) throw new Error(`refused ${channel}: the request did not come from the app window`);
    return fn();
  });
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    title: 'rlhf-arcade',
    backgroundColor: '#101218',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  mainWindow.webContents.on('will-navigate', (event) => event.preventDefault());
  mainWindow.on('closed', () => (mainWindow = null));

  if (!app.isPackaged && process.env.ELECTRON_RENDERER_URL) void mainWindow.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void mainWindow.loadFile(join(__dirname, '../renderer/index.html'));
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  handle(CHANNELS.appInfo, (): AppInfo => ({ name: app.getName(), version: app.getVersion(), shell: 'electron' }));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
