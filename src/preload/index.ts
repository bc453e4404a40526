/** Exposes one function per API operation to the renderer; never ipcRenderer itself. */
import { contextBridge, ipcRenderer } from 'electron';
import { type Api, CHANNELS } from '../shared/api.js';

const api: Api = {
  appInfo: () => ipcRenderer.invoke(CHANNELS.appInfo),
};

contextBridge.exposeInMainWorld('arcade', api);
