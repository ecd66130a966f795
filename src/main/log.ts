// Log lines go to stderr so that stdout carries only what a user or script reads (the UI line).
type Level = 'debug' | 'info' | 'warn' | 'error'

const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }
const threshold = order[(process.env.ACS_LOG_LEVEL as Level | undefined) ?? 'info'] ?? order.info

function write(level: Level, message: string, detail?: unknown): void {
  if (order[level] < threshold) return
  const suffix =
    detail === undefined
      ? ''
      : ` ${detail instanceof Error ? (detail.stack ?? detail.message) : JSON.stringify(detail)}`
  process.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}${suffix}\n`)
}

export const log = {
  debug: (message: string, detail?: unknown) => write('debug', message, detail),
  info: (message: string, detail?: unknown) => write('info', message, detail),
  warn: (message: string, detail?: unknown) => write('warn', message, detail),
  error: (message: string, detail?: unknown) => write('error', message, detail),
}
