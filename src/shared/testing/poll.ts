// Polling with a deadline, for tests and the chaos runner: waits for a condition instead of sleeping for
// a guessed time. No test-framework imports, so that the chaos runner can use it too.

/**
 * Polls `check` until it returns a value (not undefined), or fails after `timeoutMs` with `what` and the
 * last error `check` threw.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Polls a synchronous `condition` every 10 ms; resolves with the milliseconds it took. */
export async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<number> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not seen within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return Date.now() - started
}
