// Lab hosts for tests: stand-ins for VMs on this machine, made by `scripts/lab` (docs/LAB.md). Each has
// its own address, sshd, users `acs` and `acs-nosudo`, and (unless left out) its own Docker Engine.
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Client } from 'ssh2'

const repoRoot = join(import.meta.dirname, '..', '..')
export const LAB_SCRIPT = join(repoRoot, 'scripts', 'lab', 'lab')

export interface LabHost {
  name: string
  index: number
  address: string
  sshPort: number
  hostKeyFingerprint: string
  docker: boolean
  node: boolean
  dockerSocket?: string
}

export interface LabUser {
  user: string
  password: string
  keyFile: string
}

export interface Lab {
  name: string
  stateDir: string
  gateway: string
  hosts: LabHost[]
  users: { admin: LabUser; nosudo: LabUser }
  /** A new host key for host `index` (1-based) and a restarted sshd; resolves with its fingerprint. */
  rotateHostKey(index: number): Promise<string>
  /** `scripts/lab down`: stops everything the lab started and removes it. Safe to call twice. */
  stop(): Promise<void>
}

const COMMANDS = ['ip', 'sshd', 'dockerd', 'nsenter', 'unshare', 'sudo', 'ssh-keygen']
const SEARCH_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** Whether `scripts/lab` can run here: root, and the commands it needs. */
export function labAvailable(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'lab hosts need root (scripts/lab runs as root)' }
  const dirs = [...SEARCH_PATH, ...(process.env.PATH ?? '').split(':').filter(Boolean)]
  const missing = COMMANDS.filter((command) => !dirs.some((dir) => existsSync(join(dir, command))))
  if (missing.length)
    return {
      ok: false,
      reason: `missing ${missing.join(', ')}: apt-get install iproute2 openssh-server docker.io util-linux sudo`,
    }
  return { ok: true }
}

interface LabRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `scripts/lab ARGS`, bounded by `timeoutMs` (killed after it). */
export function runLabScript(args: string[], timeoutMs = 120_000): Promise<LabRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(LAB_SCRIPT, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`scripts/lab ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`))
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

async function labScript(args: string[], timeoutMs?: number): Promise<string> {
  const result = await runLabScript(args, timeoutMs)
  if (result.code !== 0)
    throw new Error(`scripts/lab ${args.join(' ')} exited with ${result.code}:\n${result.stderr}`)
  return result.stdout
}

/** A name of its own per call (≤ 10 characters), so that parallel runs do not collide. */
export function uniqueLabName(): string {
  return `t${randomBytes(4).toString('hex').slice(0, 7)}`
}

/** `scripts/lab up`; on any failure the half-made lab is taken down before this rejects. */
export async function startLab(options: {
  hosts: number
  name?: string
  noDocker?: number[]
  withNode?: boolean
}): Promise<Lab> {
  const name = options.name ?? uniqueLabName()
  const args = ['up', '--hosts', String(options.hosts), '--name', name]
  if (options.noDocker?.length) args.push('--no-docker', options.noDocker.join(','))
  if (options.withNode) args.push('--with-node')
  const stop = async () => {
    await labScript(['down', '--name', name], 90_000)
  }
  let output: string
  try {
    output = await labScript(args)
  } catch (error) {
    await stop().catch(() => {})
    throw error
  }
  const lab = JSON.parse(output) as Omit<Lab, 'rotateHostKey' | 'stop'>
  return {
    ...lab,
    stop,
    rotateHostKey: async (index) => {
      const rotated = JSON.parse(
        await labScript(['rotate-host-key', '--name', name, '--host', String(index)], 60_000),
      ) as { hostKeyFingerprint: string }
      const host = lab.hosts.find((h) => h.index === index)
      if (host) host.hostKeyFingerprint = rotated.hostKeyFingerprint
      return rotated.hostKeyFingerprint
    },
  }
}

/** OpenSSH's `SHA256:...` fingerprint of a raw public key. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

export interface LabExecResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface LabSession {
  exec(command: string, timeoutMs?: number): Promise<LabExecResult>
  close(): void
}

/**
 * An SSH session to a lab host that accepts only the host key with `expectedFingerprint` (by default
 * the host's current one). Authenticates with the user's key, or with `password` when given.
 */
export function connectLabHost(
  host: LabHost,
  user: LabUser,
  options: { password?: string; expectedFingerprint?: string; timeoutMs?: number } = {},
): Promise<LabSession> {
  const expected = options.expectedFingerprint ?? host.hostKeyFingerprint
  const auth =
    options.password !== undefined
      ? { password: options.password, tryKeyboard: false }
      : { privateKey: readFileSync(user.keyFile) }
  return new Promise((resolve, reject) => {
    const client = new Client()
    client.once('ready', () =>
      resolve({
        exec: (command, timeoutMs = 20_000) => execOn(client, command, timeoutMs),
        close: () => client.end(),
      }),
    )
    client.once('error', (error) => {
      client.end()
      reject(error)
    })
    client.connect({
      host: host.address,
      port: host.sshPort,
      username: user.user,
      readyTimeout: options.timeoutMs ?? 10_000,
      hostVerifier: (key: Buffer) => fingerprint(key) === expected,
      ...auth,
    })
  })
}

function execOn(client: Client, command: string, timeoutMs: number): Promise<LabExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error)
      let stdout = ''
      let stderr = ''
      const timer = setTimeout(() => {
        stream.close()
        reject(new Error(`'${command}' did not finish within ${timeoutMs} ms`))
      }, timeoutMs)
      stream.on('data', (chunk: Buffer) => (stdout += chunk))
      stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
      stream.on('close', (code: number | null) => {
        clearTimeout(timer)
        resolve({ code, stdout, stderr })
      })
    })
  })
}
