/**
 * The operation names and their IPC channels: the part of the contract the sandboxed preload needs at run
 * time (it cannot load zod; the schemas live in api.ts).
 */
export const OPS = [
  'appInfo',
  'listRuns',
  'createRun',
  'openRun',
  'closeRun',
  'status',
  'nextPair',
  'answer',
  'undo',
  'change',
  'unreview',
  'history',
  'clip',
  'progress',
  'metrics',
  'setPaused',
  'feedback',
  'exportRun',
] as const;
export type Op = (typeof OPS)[number];

/** IPC channel of an operation. */
export function channelOf(op: Op): string {
  return `arcade:${op}`;
}

/** IPC channel of the host's events. */
export const EVENT_CHANNEL = 'arcade:event';
