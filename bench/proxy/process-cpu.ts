// CPU time of a process and its descendants (nginx's master and workers, or one Node child) from
// /proc, so that every proxy in the comparison is measured the same way from outside. Linux only.
import { readdirSync, readFileSync } from 'node:fs'

/** Kernel clock ticks per second for /proc's utime and stime; 100 on every Linux the bench targets. */
const TICKS_PER_SECOND = 100

interface ProcStat {
  pid: number
  ppid: number
  cpuTicks: number
}

/** Parses /proc/PID/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  const pid = Number.parseInt(text, 10)
  // Fields after the name start at field 3 (state); ppid is field 4, utime 14, stime 15.
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/)
  const ppid = Number(fields[1])
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  if (![pid, ppid, utime, stime].every(Number.isFinite)) return undefined
  return { pid, ppid, cpuTicks: utime + stime }
}

function readStat(pid: string): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return undefined
  }
}

/** CPU seconds used so far by `pid` and everything below it; undefined where /proc is not available. */
export function processTreeCpuSeconds(pid: number): number | undefined {
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name))
  } catch {
    return undefined
  }
  const stats = entries.flatMap((name) => readStat(name) ?? [])
  const children = new Map<number, ProcStat[]>()
  for (const stat of stats) {
    const siblings = children.get(stat.ppid) ?? []
    siblings.push(stat)
    children.set(stat.ppid, siblings)
  }
  const root = stats.find((stat) => stat.pid === pid)
  if (!root) return undefined
  let ticks = 0
  const queue = [root]
  while (queue.length > 0) {
    const stat = queue.pop()!
    ticks += stat.cpuTicks
    queue.push(...(children.get(stat.pid) ?? []))
  }
  return ticks / TICKS_PER_SECOND
}
