/**
 * The contract between the renderer and the Node side: one entry per operation. The preload exposes each as
 * a function over IPC; browser mode will carry the same operations over a WebSocket.
 */
export interface AppInfo {
  name: string;
  version: string;
  /** Where the UI runs: inside Electron or in a browser. */
  shell: 'electron' | 'browser';
}

export interface Api {
  appInfo(): Promise<AppInfo>;
}

/** IPC channel names, one per operation. */
export const CHANNELS = {
  appInfo: 'arcade:app-info',
} as const satisfies Record<keyof Api, string>;
