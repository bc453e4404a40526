/**
 * The clock a live-feedback press is stamped on by the relaying process and read on by the session process
 * (live.ts): the machine's monotonic clock (CLOCK_MONOTONIC on Linux, mach_absolute_time on macOS, the
 * performance counter on Windows), in ms. Every process of the machine reads the same one. performance.now()
 * counts from each process's own start, and performance.timeOrigin + now() (epoch ms) is fixed to the wall clock
 * when each process starts, so two processes' readings differ by any step or slew of the wall clock between
 * their starts (a session process restarted hours after the server, across an NTP correction).
 */
export function machineClockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
