// The supervisor that keeps the agent running on hosts without systemd (resources/agent-supervisor.sh),
// run here with a stand-in agent: one agent however often it is started, restarts after a crash, a
// bounded log, and a clean stop in which the agent gets SIGTERM and time to finish.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findResourcesDir, SUPERVISOR_FILE } from '../../src/main/provision/agent-files'
import { waitFor } from '../support/agent-process'

/** Prints when it starts and when it is told to stop, and takes a moment to finish, like the agent. */
const STAND_IN_AGENT = `
console.log('agent started ' + process.pid)
process.on('SIGTERM', () => {
  console.log('agent got SIGTERM')
  setTimeout(() => process.exit(0), 200)
})
setInterval(() => {}, 1000)
`

describe('agent-supervisor.sh', () => {
  let dir: string
  const supervisor = () => join(dir, SUPERVISOR_FILE)
  const sh = (...args: string[]) =>
    execFileSync('sh', [supervisor(), ...args], { encoding: 'utf8', timeout: 60_000 }).trim()
  const pidFile = (name: string) => {
    const path = join(dir, 'run', name)
    return existsSync(path) ? Number(readFileSync(path, 'utf8').trim()) : undefined
  }
  const log = () => readFileSync(join(dir, 'log', 'agent.log'), 'utf8')
  /** Processes of this installation: the supervisor, its helpers and the agent, by their command line. */
  const processes = () =>
    readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .flatMap((pid) => {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
          return cmdline.includes(dir) ? [{ pid: Number(pid), cmdline }] : []
        } catch {
          return []
        }
      })
  const agents = () =>
    processes().filter((p) => p.cmdline.includes('vmm-agent.mjs') && !p.cmdline.includes(' run '))

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'acs-supervisor-'))
    writeFileSync(supervisor(), readFileSync(join(findResourcesDir(), SUPERVISOR_FILE)))
    writeFileSync(join(dir, 'vmm-agent.mjs'), STAND_IN_AGENT)
    writeFileSync(join(dir, 'agent.json'), '{}')
    mkdirSync(join(dir, 'log'))
  })
  afterAll(() => {
    try {
      sh('stop', dir)
    } finally {
      // Whatever a failed test left running is this test's own: stopped by pid.
      for (const { pid } of processes()) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {}
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('starts one agent however often it is started, even twice at once', async () => {
    const both = execFileSync(
      'sh',
      [
        '-c',
        `sh "$1" start "$2" "$3" & sh "$1" start "$2" "$3"; wait`,
        'sh',
        supervisor(),
        dir,
        process.execPath,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    )
    expect(both).toMatch(/(started|already running) \(supervisor \d+\)/)
    expect(sh('start', dir, process.execPath)).toMatch(/^already running \(supervisor \d+\)$/)
    await waitFor('the agent', async () => (log().includes('agent started') ? true : undefined), 10_000)
    // Give a second supervisor, had one slipped through, time to start its own agent.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(agents()).toHaveLength(1)
    expect(log().match(/agent started/g)).toHaveLength(1)
    expect(sh('status', dir)).toMatch(/^running \(supervisor \d+, agent \d+\)$/)
  }, 30_000)

  it('restarts an agent that dies, and rotates a log that grew too big', async () => {
    const first = pidFile('agent.pid') as number
    writeFileSync(join(dir, 'log', 'agent.log'), `${'x'.repeat(6 * 2 ** 20)}\n`, { flag: 'a' })
    process.kill(first, 'SIGKILL')
    const second = await waitFor(
      'a new agent',
      async () => {
        const pid = pidFile('agent.pid')
        return pid && pid !== first && log().includes('agent started') ? pid : undefined
      },
      15_000,
    )
    expect(second).not.toBe(first)
    expect(readFileSync(join(dir, 'log', 'agent.log.1'), 'utf8')).toContain('the agent exited with code 137')
    expect(log().length).toBeLessThan(2 ** 20)
    expect(agents()).toHaveLength(1)
  }, 30_000)

  it('stops cleanly: the agent gets SIGTERM and finishes, nothing keeps running', async () => {
    expect(sh('stop', dir)).toBe('stopped')
    expect(log()).toContain('agent got SIGTERM')
    expect(log()).toMatch(/supervisor: stopped\n$/)
    expect(pidFile('supervisor.pid')).toBeUndefined()
    expect(pidFile('agent.pid')).toBeUndefined()
    expect(processes()).toEqual([])
    expect(() => sh('status', dir)).toThrow()
    expect(sh('stop', dir)).toBe('stopped')
  }, 60_000)
})
