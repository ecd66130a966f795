// Processes by pid, never by name. A pid is recorded with the process's start time, so that a reused
// pid is never taken for the daemon; daemons start detached (they outlive `up`) and stop with a grace.
import { spawn } from 'node:child_process'
import { closeSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/** Start time (clock ticks since boot) of a live, non-zombie process; undefined otherwise. */
function processStart(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined
    return fields[19]
  } catch {
    return undefined
  }
}

export const alive = (pid) => processStart(pid) !== undefined

/** A recorded "pid start" pair, if that very process still runs. */
export function recordedProcess(file) {
  try {
    const [pid, start] = readFileSync(file, 'utf8').trim().split(/\s+/)
    const number = Number(pid)
    if (number > 1 && processStart(number) === start) return number
  } catch {}
  return undefined
}

export function recordProcess(file, pid) {
  writeFileSync(file, `${pid} ${processStart(pid) ?? ''}\n`)
}

/** Live processes for which `matches(pid)` holds; one that ends while it is read is left out. */
export function findProcesses(matches) {
  const found = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    try {
      if (matches(pid) && alive(pid)) found.push(pid)
    } catch {}
  }
  return found
}

async function waitForExit(pids, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  let remaining = pids.filter(alive)
  while (remaining.length > 0 && Date.now() < deadline) {
    await sleep(50)
    remaining = remaining.filter(alive)
  }
  return remaining
}

function signal(pid, name) {
  try {
    process.kill(pid, name)
  } catch {}
}

/** SIGTERM, then SIGKILL what is left after `graceMs`; resolves with what survived even that. */
export async function terminate(pids, graceMs) {
  for (const pid of pids) signal(pid, 'SIGTERM')
  const left = await waitForExit(pids, graceMs)
  for (const pid of left) signal(pid, 'SIGKILL')
  return waitForExit(left, 5_000)
}

/** Starts a daemon detached from this process (it outlives `lab up`), output to `logFile`. */
export function startDaemon(command, args, logFile) {
  const fd = openSync(logFile, 'a', 0o600)
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd] })
    child.on('error', () => {})
    child.unref()
    return child.pid
  } finally {
    closeSync(fd)
  }
}

/** The end of a daemon's log, for the message when it did not come up. */
export function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}
