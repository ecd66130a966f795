// The Node.js runtime the VIM uploads to a host that has none: which binary (the VIM's own, or one the
// user names), what it is, and whether it can run on the host's CPU.
import { execFile } from 'node:child_process'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { nodeMajor } from './host-probe'

export const MIN_NODE_MAJOR = 18

/** Node's process.arch and the names `uname -m` prints for the same CPU. */
const UNAME_NAMES: Record<string, readonly string[]> = {
  x64: ['x86_64', 'amd64'],
  arm64: ['aarch64', 'arm64'],
  arm: ['armv7l', 'armv6l', 'armv8l'],
  ia32: ['i686', 'i586', 'i486', 'i386'],
  ppc64: ['ppc64le'],
  s390x: ['s390x'],
  riscv64: ['riscv64'],
  loong64: ['loongarch64'],
}

/** The `uname -m` name of a Node arch, for messages (x64 → x86_64); unknown ones as they are. */
export function unameOfNodeArch(nodeArch: string): string {
  return UNAME_NAMES[nodeArch]?.[0] ?? nodeArch
}

/** The Node arch of a `uname -m` name (aarch64 → arm64), or null when Node has none. */
export function nodeArchOfUname(uname: string): string | null {
  for (const [arch, names] of Object.entries(UNAME_NAMES)) if (names.includes(uname)) return arch
  return null
}

export interface LocalNodeRuntime {
  path: string
  version: string
  /** process.arch of that binary. */
  arch: string
}

export type RuntimeLookup = { ok: true; runtime: LocalNodeRuntime } | { ok: false; message: string }

export interface RuntimeSearch {
  /** DeployServiceOptions.nodeRuntime: used, or refused, as given. */
  override?: string | undefined
  env: NodeJS.ProcessEnv
  /** In Electron, process.execPath is Electron itself, not a Node to upload. */
  underElectron: boolean
  execPath: string
  describe: (path: string) => Promise<{ version: string; arch: string } | undefined>
}

/** The Node binary to upload: the override, else the VIM's own Node, else ACS_NODE_RUNTIME, else PATH. */
export async function findLocalNodeRuntime(search: RuntimeSearch): Promise<RuntimeLookup> {
  const named = search.override ?? search.env.ACS_NODE_RUNTIME
  if (named) {
    const found = await usable(named, search.describe)
    if (found) return { ok: true, runtime: found }
    const source = search.override ? 'The configured Node runtime' : 'ACS_NODE_RUNTIME'
    return { ok: false, message: `${source} ${named} is not a Node.js ≥ ${MIN_NODE_MAJOR} that runs here` }
  }
  if (!search.underElectron) {
    const own = await usable(search.execPath, search.describe)
    if (own) return { ok: true, runtime: own }
  }
  for (const dir of (search.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const found = await usable(join(dir, 'node'), search.describe)
    if (found) return { ok: true, runtime: found }
  }
  return {
    ok: false,
    message: `This VIM has no Node.js ≥ ${MIN_NODE_MAJOR} to upload (set ACS_NODE_RUNTIME to a Node binary)`,
  }
}

async function usable(
  path: string,
  describe: RuntimeSearch['describe'],
): Promise<LocalNodeRuntime | undefined> {
  const described = await describe(path).catch(() => undefined)
  if (!described) return undefined
  const major = nodeMajor(described.version)
  return major !== null && major >= MIN_NODE_MAJOR ? { path, ...described } : undefined
}

const run = promisify(execFile)

/** Asks a Node binary for its version and arch; undefined when it does not run or is not Node. */
export async function describeNodeBinary(
  path: string,
): Promise<{ version: string; arch: string } | undefined> {
  // ELECTRON_RUN_AS_NODE would make an Electron binary pass for Node; it is not a runtime to upload.
  const { ELECTRON_RUN_AS_NODE: _, ...env } = process.env
  try {
    const { stdout } = await run(path, ['-p', 'process.version + " " + process.arch'], {
      env,
      timeout: 10_000,
    })
    const [version, arch] = stdout.trim().split(' ')
    return version && arch ? { version, arch } : undefined
  } catch {
    return undefined
  }
}
