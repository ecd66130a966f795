// How a wait or a timeout reads in messages and events: "30 s", "2.5 s", and "500 ms" where a setting
// below a second would otherwise read as "0.5 s".

/** Seconds with at most one decimal: "1 s", "2.5 s", "0.3 s". */
export function secondsText(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`
}

/** Milliseconds below a second, seconds from there: "500 ms", "1 s", "1.5 s". */
export function durationText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : secondsText(ms)
}
