// Finds where a Docker container's cgroup accounting files live, once per container: cgroup v1 or
// v2, cgroupfs or systemd driver, and custom parents through the container's own /proc/<pid>/cgroup.
import { access, readFile } from 'node:fs/promises'
import { join, sep } from 'node:path'

export interface CgroupLocation {
  version: 1 | 2
  /** Directory with the CPU accounting file (v1: cpuacct.usage; v2: cpu.stat). */
  cpuDir: string
  /** Directory with the memory files (v1: memory.usage_in_bytes; v2: memory.current), and memory.stat. */
  memoryDir: string
}

export interface CgroupDiscoveryOptions {
  /** Where the cgroup filesystems are mounted. */
  root?: string
  /** Where procfs is mounted; used with `pid`. */
  procRoot?: string
  /** The container's main process (Docker's State.Pid), when known. */
  pid?: number
}

// v1 mounts the CPU accounting controller on its own or co-mounted with cpu, depending on the distro.
const V1_CPUACCT_MOUNTS = ['cpu,cpuacct', 'cpuacct', 'cpuacct,cpu']

/** Where the cgroupfs (`docker/<id>`) and systemd (`system.slice/docker-<id>.scope`) drivers put a container. */
export function conventionalCgroupDirs(containerId: string): string[] {
  return [`docker/${containerId}`, `system.slice/docker-${containerId}.scope`]
}

export interface ProcCgroup {
  /** The v2 (unified) path, from the `0::<path>` line. */
  unified?: string
  /** v1 paths by controller name (a co-mounted `cpu,cpuacct` line gives both names). */
  controllers: Map<string, string>
}

/** Parses /proc/<pid>/cgroup: `hierarchy-id:controller,list:/path` per line. */
export function parseProcCgroup(text: string): ProcCgroup {
  const result: ProcCgroup = { controllers: new Map() }
  for (const line of text.split('\n')) {
    const first = line.indexOf(':')
    const second = line.indexOf(':', first + 1)
    if (first < 0 || second < 0) continue
    const hierarchy = line.slice(0, first)
    const controllers = line.slice(first + 1, second)
    const path = line.slice(second + 1)
    if (hierarchy === '0' && controllers === '') result.unified = path
    else for (const name of controllers.split(',')) if (name) result.controllers.set(name, path)
  }
  return result
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const path of paths) if (await exists(path)) return path
  return undefined
}

/** `base/rel` for each rel, dropping any that escape `base` (a `/../` path from another cgroup namespace). */
function within(base: string, rels: string[]): string[] {
  return rels.map((rel) => join(base, rel)).filter((abs) => abs.startsWith(base + sep))
}

async function readProcCgroup(procRoot: string, pid: number | undefined): Promise<ProcCgroup | undefined> {
  if (pid === undefined || !(pid > 0)) return undefined
  try {
    return parseProcCgroup(await readFile(join(procRoot, String(pid), 'cgroup'), 'utf8'))
  } catch {
    return undefined
  }
}

/**
 * The container's cgroup directories, or undefined when they are not readable here (Docker on another
 * host, a container that is not running, an unknown layout): the caller then falls back to Docker's
 * stats stream. Only directories named after the container id are accepted, so that a pid that means
 * something else on this host (remote Docker) cannot point at another process's cgroup.
 */
export async function findContainerCgroup(
  containerId: string,
  options: CgroupDiscoveryOptions = {},
): Promise<CgroupLocation | undefined> {
  const root = options.root ?? '/sys/fs/cgroup'
  const own = await readProcCgroup(options.procRoot ?? '/proc', options.pid)
  const named = (path: string | undefined): path is string => path?.includes(containerId) === true

  if (await exists(join(root, 'cgroup.controllers'))) {
    const dirs = [own?.unified, ...conventionalCgroupDirs(containerId)].filter(named)
    const dir = await firstExisting(within(root, dirs))
    if (dir === undefined) return undefined
    const complete = (await exists(join(dir, 'cpu.stat'))) && (await exists(join(dir, 'memory.current')))
    return complete ? { version: 2, cpuDir: dir, memoryDir: dir } : undefined
  }

  const cpuRels = [own?.controllers.get('cpuacct'), ...conventionalCgroupDirs(containerId)].filter(named)
  const memoryRels = [own?.controllers.get('memory'), ...conventionalCgroupDirs(containerId)].filter(named)
  const cpuMounts = V1_CPUACCT_MOUNTS.map((name) => join(root, name))
  const cpuDir = await firstExisting(cpuMounts.flatMap((mount) => within(mount, cpuRels)))
  const memoryDir = await firstExisting(within(join(root, 'memory'), memoryRels))
  if (cpuDir === undefined || memoryDir === undefined) return undefined
  const complete =
    (await exists(join(cpuDir, 'cpuacct.usage'))) && (await exists(join(memoryDir, 'memory.usage_in_bytes')))
  return complete ? { version: 1, cpuDir, memoryDir } : undefined
}
