// What the VIM does on a Swarm node over SSH: load the workload image, join the Swarm (the token travels as
// one argument and is never logged), leave it, and stream the engine's per-container CPU for the metrics.
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type Docker from 'dockerode'
import type { KnownHosts } from '../../provision/known-hosts'
import { shellQuote } from '../../provision/shell-quote'
import type { SshLoginDetails } from '../../provision/ssh-login'
import { SshSession } from '../../provision/ssh-session'
import { type ContainerStats, parseStatsLine } from './task-stats'

const STATS_ARGV = ['docker', 'stats', '--format', '{{json .}}']

export class NodeLink {
  private constructor(private readonly session: SshSession) {}

  static async open(login: SshLoginDetails, knownHosts: KnownHosts): Promise<NodeLink> {
    return new NodeLink(await SshSession.open({ login, knownHosts, timeoutMs: 15_000 }))
  }

  /** The login this link used, for a second session (the stats stream). */
  login(): SshLoginDetails {
    return this.session.login
  }

  get host(): string {
    return this.session.login.host
  }

  /** Fails with what the host said when a command does not succeed. */
  private async run(argv: string[], what: string, timeoutMs = 60_000): Promise<string> {
    const result = await this.session.exec(shellQuote(argv), { timeoutMs })
    if (result.code !== 0)
      throw new Error(
        `${this.host}: ${what} failed: ${(result.stderr || result.stdout).trim() || `exit ${result.code}`}`,
      )
    return result.stdout
  }

  /** The engine's Swarm state: 'inactive', 'active', 'pending', … */
  async swarmState(): Promise<string> {
    return (await this.run(['docker', 'info', '--format', '{{.Swarm.LocalNodeState}}'], 'docker info')).trim()
  }

  /** Copies `image` from the VIM's engine into the node's (`docker save`, SFTP, `docker load`): no registry. */
  async loadImage(local: Docker, image: string): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'acs-swarm-image-'))
    const file = join(dir, 'image.tar')
    const remote = `/tmp/acs-workload-${process.pid}-${Date.now()}.tar`
    try {
      await pipeline(await local.getImage(image).get(), createWriteStream(file, { mode: 0o600 }))
      await this.session.upload(file, remote, { mode: 0o600 })
      await this.run(['docker', 'load', '--input', remote], `loading image ${image}`, 180_000)
    } finally {
      await this.run(['rm', '-f', remote], 'removing the image archive').catch(() => {})
      await rm(dir, { recursive: true, force: true })
    }
  }

  /** `docker swarm join`; the token is one quoted argument of the command line and appears in no log. */
  async join(token: string, managerAddress: string): Promise<void> {
    const result = await this.session.exec(
      shellQuote(['docker', 'swarm', 'join', '--token', token, managerAddress]),
      {
        timeoutMs: 60_000,
      },
    )
    if (result.code !== 0)
      throw new Error(
        `${this.host}: docker swarm join failed: ${redact(result.stderr || result.stdout, token)}`,
      )
  }

  async leave(): Promise<void> {
    await this.run(['docker', 'swarm', 'leave', '--force'], 'docker swarm leave')
  }

  /** Streams `docker stats` until `signal` aborts; each sample goes to `onStats`. */
  streamStats(onStats: (stats: ContainerStats) => void, signal: AbortSignal): Promise<unknown> {
    return this.session
      .exec(shellQuote(STATS_ARGV), {
        signal,
        onLine: (stream, line) => {
          const stats = stream === 'stdout' ? parseStatsLine(line) : undefined
          if (stats) onStats(stats)
        },
      })
      .catch(() => {})
  }

  close(): void {
    this.session.close()
  }
}

/** The VIM's own engine's `docker stats`, with the docker CLI (argument vector, no shell). */
export function streamLocalStats(
  onStats: (stats: ContainerStats) => void,
  signal: AbortSignal,
  dockerHost?: string,
): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(STATS_ARGV[0]!, STATS_ARGV.slice(1), {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, ...(dockerHost && { DOCKER_HOST: dockerHost }) },
      signal,
    })
    let partial = ''
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        const stats = parseStatsLine(line)
        if (stats) onStats(stats)
      }
    })
    child.on('error', () => resolve())
    child.on('close', () => resolve())
  })
}

function redact(text: string, secret: string): string {
  return text.split(secret).join('<token>').trim()
}
