/**
 * Long synchronous stretches of training (A2C updates back to back on wasm, reward-model pretraining) never
 * give Node's event loop a turn by themselves: their awaits resolve at once. Then a signal (Ctrl-C), a message
 * from the host or a timer waits until training ends. `eventLoopTurns(ms)` gives a function to await in such a
 * loop: it lets the event loop run once (setImmediate, after I/O and signals) when `ms` have passed since the
 * last turn, and costs nothing otherwise.
 */
export function eventLoopTurns(ms = 20): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < ms) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}
