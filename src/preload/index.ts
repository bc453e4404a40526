/** Exposes one function per API operation, and the event stream, to the renderer; never ipcRenderer itself. */
import { contextBridge, ipcRenderer } from 'electron';
import type { Api, Bridge, HostEvent, Outcome } from '../shared/api.js';
import { channelOf, EVENT_CHANNEL, OPS } from '../shared/channels.js';

async function invoke(channel: string, args: unknown): Promise<unknown> {
  const outcome = (await ipcRenderer.invoke(channel, args)) as Outcome;
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.result;
}

const api = Object.fromEntries(OPS.map((op) => [op, (args?: unknown) => invoke(channelOf(op), args)])) as unknown as Api;

const bridge: Bridge = {
  api,
  onEvent(listener) {
    const relay = (_event: unknown, hostEvent: HostEvent) => listener(hostEvent);
    ipcRenderer.on(EVENT_CHANNEL, relay);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, relay);
  },
};

contextBridge.exposeInMainWorld('arcade', bridge);
