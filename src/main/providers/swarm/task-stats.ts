// `docker stats --format '{{json .}}'` lines, as per-task CPU and memory. Pure, so the parsing of the
// engine's text is tested without an engine.

export interface ContainerStats {
  /** The container's name; for a Swarm task `<service>.<slot>.<task id>`. */
  name: string
  /** CPU as Docker prints it: percent of one CPU (200 = two cores busy). */
  cpuPercent: number
  memoryBytes: number
}

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KIB: 1024,
  MIB: 1024 ** 2,
  GIB: 1024 ** 3,
}

/** One line of the stream; undefined for anything else (the terminal codes between refreshes, say). */
export function parseStatsLine(line: string): ContainerStats | undefined {
  const start = line.indexOf('{')
  if (start < 0) return undefined
  let value: { Name?: unknown; CPUPerc?: unknown; MemUsage?: unknown }
  try {
    value = JSON.parse(line.slice(start))
  } catch {
    return undefined
  }
  if (typeof value.Name !== 'string' || typeof value.CPUPerc !== 'string') return undefined
  const cpu = Number.parseFloat(value.CPUPerc)
  if (!Number.isFinite(cpu)) return undefined
  const memory = typeof value.MemUsage === 'string' ? /^\s*([\d.]+)\s*([A-Za-z]+)/.exec(value.MemUsage) : null
  const memoryBytes = memory ? Math.round(Number(memory[1]) * (UNITS[memory[2]!.toUpperCase()] ?? 0)) : 0
  return { name: value.Name, cpuPercent: cpu, memoryBytes }
}

/** The task id in a task container's name, or undefined for another container. */
export function taskIdOf(containerName: string, service: string): string | undefined {
  if (!containerName.startsWith(`${service}.`)) return undefined
  const parts = containerName.slice(service.length + 1).split('.')
  return parts.length === 2 && /^\d+$/.test(parts[0]!) ? parts[1] : undefined
}

/** CPU as a percentage of the task's own limit (100 = its whole allotment), like the agents report. */
export function percentOfLimit(cpuPercent: number, cpus: number): number {
  return cpus > 0 ? Math.max(0, cpuPercent / cpus) : 0
}
