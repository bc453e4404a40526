/**
 * Electron main process: one window, locked down per Electron's security checklist (context isolation,
 * sandbox, no Node in the renderer, a strict Content-Security-Policy, no navigation, no new windows), and one
 * IPC handler per API operation that checks who is asking and the shape of what they ask before relaying it
 * to the session host. Training runs in the host's session process (a utility process), so this process only
 * relays messages.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, type IpcMainInvokeEvent, session, shell } from 'electron';
import { SessionHost } from '../host/host.js';
import type { Outcome } from '../shared/api.js';
import { channelOf, EVENT_CHANNEL, OPS } from '../shared/channels.js';
import { CSP } from '../shared/csp.js';
import { utilitySession } from './utility-session.js';

let mainWindow: BrowserWindow | null = null;
let host: SessionHost | null = null;

/** Only our own window's top frame may call the API. */
function fromOurWindow(event: IpcMainInvokeEvent): boolean {
  return mainWindow !== null && event.sender === mainWindow.webContents && event.senderFrame === mainWindow.webContents.mainFrame;
}

/** Who labels in the desktop app: the user of this machine. */
function labelerName(): string {
  const name = userInfo().username.replace(/[^A-Za-z0-9._@-]/g, '').slice(0, 40);
  return name === '' ? 'desktop' : name;
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
  const sessionHost = new SessionHost({
    runsDir: process.env.ARCADE_RUNS ?? join(app.getPath('userData'), 'runs'),
    start: utilitySession(join(__dirname, 'session-process.js')),
    app: { name: app.getName(), version: app.getVersion(), shell: 'electron' },
  });
  host = sessionHost;
  const labeler = labelerName();
  for (const op of OPS) {
    // Answers travel as { ok, result | error }: an Error thrown here would reach the page wrapped in Electron's own text.
    ipcMain.handle(channelOf(op), async (event, args: unknown): Promise<Outcome> => {
      if (!fromOurWindow(event)) return { ok: false, error: `refused ${op}: the request did not come from the app window` };
      try {
        return { ok: true, result: await sessionHost.call(op, args, labeler) };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    });
  }
  sessionHost.onEvent((event) => mainWindow?.webContents.send(EVENT_CHANNEL, event));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

// Training checkpoints before the app quits.
app.on('before-quit', (event) => {
  const h = host;
  if (h === null) return;
  host = null;
  event.preventDefault();
  void h.close().finally(() => app.quit());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
