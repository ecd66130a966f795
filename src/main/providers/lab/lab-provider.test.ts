// The lab provider's process handling against small fake agents (real child processes, no Docker):
// states, pids, secrets in the environment only, exits it did not ask for, stop bounds, the VM limit.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { AGENT_PARENT_WATCHDOG } from './agent-command'
import { LabProvider, type LabProviderOptions } from './lab-provider'
import type { LabAgentExit, LabLogEntry } from './lab-vm'

// Each fake speaks like the agent: a stamped "load balancer on http://HOST:PORT/ (…)" line once up.
const ANNOUNCE = `
const name = process.argv[process.argv.indexOf('--name') + 1]
const say = (line) => console.log(new Date().toISOString() + ' ' + line)
const { createServer } = await import('node:http')
const announce = () => new Promise((resolve) => {
  const server = createServer((req, res) => res.end(name)).listen(0, '127.0.0.1', () => {
    say('vmm-agent ' + name + ' dev: load balancer on http://127.0.0.1:' + server.address().port + '/ (fake)')
    resolve()
  })
})
`
const FAKES = {
  serving: `${ANNOUNCE}
process.on('SIGTERM', () => { say('SIGTERM: stopping; removing the containers'); process.exit(0) })
process.on('SIGUSR2', () => { say('SIGUSR2: stopping; leaving the containers'); process.exit(0) })
await announce()`,
  crashing: `${ANNOUNCE}
await announce()
setTimeout(() => { process.stderr.write('vmm-agent: Docker is not reachable at unix:///nope\\n'); process.exit(1) }, 150)`,
  stubborn: `${ANNOUNCE}
await announce()
process.on('SIGTERM', () => say('SIGTERM: not now'))`,
  // Until it is up, SIGTERM kills it outright, as it does the agent while it prepares its runtime.
  slow: `${ANNOUNCE}
await new Promise((resolve) => setTimeout(resolve, 400))
process.on('SIGTERM', () => { say('SIGTERM: stopping; removing the containers'); process.exit(0) })
await announce()`,
}

let dir: string
const bundle = (fake: keyof typeof FAKES) => join(dir, `${fake}.mjs`)
const labs: LabProvider[] = []
let logs: LabLogEntry[] = []
let exits: LabAgentExit[] = []

function lab(options: Partial<LabProviderOptions> = {}): LabProvider {
  const provider = new LabProvider({
    agentBundle: bundle('serving'),
    runtime: 'process',
    initialVms: 2,
    log: (entry) => logs.push(entry),
    onAgentExit: (exit) => exits.push(exit),
    ...options,
  })
  labs.push(provider)
  return provider
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const allRunning = (provider: LabProvider) =>
  until('every VM running', async () => {
    const vms = await provider.list()
    return vms.every((vm) => vm.state === 'running') ? vms : undefined
  })

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'acs-lab-fakes-'))
  for (const [name, source] of Object.entries(FAKES)) writeFileSync(join(dir, `${name}.mjs`), source)
})

afterEach(async () => {
  await Promise.allSettled(labs.splice(0).map((provider) => provider.close()))
  logs = []
  exits = []
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('LabProvider', () => {
  it('defines its initial VMs stopped, each with its capacity, and names itself', async () => {
    const provider = lab({ capacity: 3 })
    expect(provider.kind).toBe('lab')
    expect(provider.capabilities).toEqual({ startStop: true, create: true })
    expect(await provider.list()).toEqual([
      { name: 'lab-1', provider: 'lab', state: 'stopped', capacity: 3 },
      { name: 'lab-2', provider: 'lab', state: 'stopped', capacity: 3 },
    ])
  })

  it('open() starts every VM: starting, then running with its load balancer address and pid', async () => {
    const provider = await LabProvider.open({
      agentBundle: bundle('serving'),
      runtime: 'process',
      initialVms: 2,
      log: (entry) => logs.push(entry),
    })
    labs.push(provider)
    const vms = await allRunning(provider)
    for (const vm of vms) {
      expect(vm.runtime).toBe('process')
      expect(alive(vm.pid as number)).toBe(true)
      expect(await (await fetch(`http://${vm.address}/`)).text()).toBe(vm.name)
    }
    expect(logs[0]).toMatchObject({
      text: 'lab: process runtime: plain processes were asked for (runtime: process); no isolation',
      source: 'provider',
    })
    expect(logs).toContainEqual({
      text: expect.stringMatching(
        /^lab-2: vmm-agent lab-2 dev: load balancer on http:\/\/127\.0\.0\.1:\d+\/ /,
      ),
      vm: 'lab-2',
      source: 'stdout',
      level: 'info',
    })
  })

  it('hands the join token to the agent through its environment, never its command line', async () => {
    const token = `tok-${Date.now()}-secret`
    const provider = lab({ initialVms: 1, hubUrl: 'ws://127.0.0.1:9', joinToken: token })
    await provider.start('lab-1')
    const [vm] = await allRunning(provider)
    const pid = vm?.pid as number
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(token)
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(
      expect.arrayContaining(['--vim', 'ws://127.0.0.1:9', '--name', 'lab-1']),
    )
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain(`ACS_AGENT_TOKEN=${token}`)
  })

  it('stop() sends SIGTERM to the recorded pid and waits for the exit; start() brings it back', async () => {
    const provider = lab()
    await provider.start('lab-1')
    await provider.start('lab-2')
    const [first] = await allRunning(provider)
    const pid = first?.pid as number
    await provider.stop('lab-1')
    expect(alive(pid)).toBe(false)
    const [stopped, other] = await provider.list()
    expect(stopped).toEqual({
      name: 'lab-1',
      provider: 'lab',
      state: 'stopped',
      capacity: 4,
      runtime: 'process',
    })
    expect(other?.state).toBe('running')
    const lines = logs.map((l) => l.text)
    expect(lines).toContain('lab-1: SIGTERM: stopping; removing the containers')
    expect(lines.at(-1)).toBe('lab-1: stopped (its agent exited with code 0)')
    expect(exits).toEqual([])

    await provider.start('lab-1')
    const [again] = await allRunning(provider)
    expect(again?.pid).not.toBe(pid)
  })

  it('asks the agents to leave their containers once the user chose to keep them, while the lab runs', async () => {
    const provider = lab()
    await provider.start('lab-1')
    await provider.start('lab-2')
    await allRunning(provider)
    await provider.stop('lab-1')
    provider.setKeepContainers(true)
    await provider.stop('lab-2')
    const lines = logs.map((l) => l.text)
    expect(lines).toContain('lab-1: SIGTERM: stopping; removing the containers')
    expect(lines).toContain('lab-2: SIGUSR2: stopping; leaving the containers')
  })

  it('waits for a starting agent to come up before SIGTERM, since it cannot clean up before that', async () => {
    const provider = lab({ initialVms: 1, agentBundle: bundle('slow') })
    await provider.start('lab-1')
    expect((await provider.list())[0]?.state).toBe('starting')
    await provider.stop('lab-1')
    expect(logs.map((l) => l.text)).toEqual([
      'lab: process runtime: plain processes were asked for (runtime: process); no isolation',
      expect.stringMatching(/^lab-1: vmm-agent lab-1 dev: load balancer on /),
      'lab-1: SIGTERM: stopping; removing the containers',
      'lab-1: stopped (its agent exited with code 0)',
    ])
  })

  it('restarts an agent that exits on its own, with its last words, backing off while it keeps crashing', async () => {
    const restartPolicy = { firstDelayMs: 100, maxDelayMs: 400, stableAfterMs: 60_000 }
    const provider = lab({ initialVms: 1, agentBundle: bundle('crashing'), restartPolicy })
    await provider.start('lab-1')
    await until('three exit reports', async () => (exits.length >= 3 ? exits : undefined))
    expect(exits[0]).toEqual({
      vm: 'lab-1',
      code: 1,
      signal: null,
      reason:
        "lab-1's agent exited (code 1): vmm-agent: Docker is not reachable at unix:///nope; restarting it in 0.1 s",
    })
    expect(exits.slice(0, 3).map((e) => /restarting it in (\S+ s)$/.exec(e.reason)?.[1])).toEqual([
      '0.1 s',
      '0.2 s',
      '0.4 s',
    ])
    expect(logs.map((l) => l.text)).toContain('lab-1: its agent was restarted')
  })

  it('brings back a SIGKILLed agent whatever the load, under a new pid', async () => {
    const restartPolicy = { firstDelayMs: 100, maxDelayMs: 400, stableAfterMs: 60_000 }
    const provider = lab({ initialVms: 1, restartPolicy })
    await provider.start('lab-1')
    const [before] = await allRunning(provider)
    process.kill(before?.pid as number, 'SIGKILL')
    const after = await until('lab-1 running again under a new pid', async () => {
      const [vm] = await provider.list()
      return vm?.state === 'running' && vm.pid !== before?.pid ? vm : undefined
    })
    expect(alive(after.pid as number)).toBe(true)
    expect(exits.map((e) => e.reason)).toEqual([
      "lab-1's agent exited (signal SIGKILL); restarting it in 0.1 s",
    ])
  })

  it.each([
    { name: 'stop()', end: (provider: LabProvider) => provider.stop('lab-1') },
    { name: 'remove()', end: (provider: LabProvider) => provider.remove('lab-1') },
    { name: 'close()', end: (provider: LabProvider) => provider.close() },
  ])('$name calls off a restart that waits for its time', async ({ end }) => {
    const restartPolicy = { firstDelayMs: 300, maxDelayMs: 300, stableAfterMs: 60_000 }
    const provider = lab({ initialVms: 1, restartPolicy })
    await provider.start('lab-1')
    const [vm] = await allRunning(provider)
    process.kill(vm?.pid as number, 'SIGKILL')
    await until('the exit report', async () => (exits.length > 0 ? exits : undefined))
    await end(provider)
    await new Promise((resolve) => setTimeout(resolve, 600))
    expect((await provider.list()).map((v) => v.state).filter((state) => state !== 'stopped')).toEqual([])
    expect(logs.map((l) => l.text)).not.toContain('lab-1: its agent was restarted')
  })

  it('kills an agent that ignores SIGTERM once the stop bound has passed', async () => {
    const provider = lab({ initialVms: 1, agentBundle: bundle('stubborn'), stopTimeoutMs: 300 })
    await provider.start('lab-1')
    const [vm] = await allRunning(provider)
    await provider.stop('lab-1')
    expect(alive(vm?.pid as number)).toBe(false)
    expect(logs.map((l) => l.text)).toEqual(
      expect.arrayContaining([
        'lab-1: SIGTERM: not now',
        `lab-1: did not stop within 0.3 s; killing its agent (pid ${vm?.pid})`,
      ]),
    )
  })

  it('create() adds the next VM and starts it, up to the maximum', async () => {
    const provider = lab({ initialVms: 1, maxVms: 2 })
    const created = await provider.create()
    expect(created).toMatchObject({ name: 'lab-2', state: 'starting', capacity: 4 })
    await expect(provider.create()).rejects.toThrow('the lab already has its maximum of 2 VMs (raise maxVms)')
    expect((await provider.list()).map((vm) => vm.name)).toEqual(['lab-1', 'lab-2'])
  })

  it('says what to do when the bundle is missing or the VM unknown', async () => {
    const provider = lab({ initialVms: 1, agentBundle: join(dir, 'missing.mjs') })
    await expect(provider.start('lab-1')).rejects.toThrow(/agent bundle is missing at .*npm run build:agent/)
    expect((await provider.list())[0]?.state).toBe('stopped')
    await expect(provider.start('lab-9')).rejects.toThrow("the lab has no VM 'lab-9' (it has lab-1)")
  })

  it('close() stops every agent it started and refuses new starts', async () => {
    const provider = lab()
    await provider.start('lab-1')
    await provider.start('lab-2')
    const pids = (await allRunning(provider)).map((vm) => vm.pid as number)
    await provider.close()
    expect(pids.filter(alive)).toEqual([])
    expect((await provider.list()).map((vm) => vm.state)).toEqual(['stopped', 'stopped'])
    await expect(provider.start('lab-1')).rejects.toThrow('the lab is closed')
  })
})

describe('AGENT_PARENT_WATCHDOG', () => {
  it('makes an agent stop itself when the VIM dies without closing the lab', async () => {
    // A stand-in VIM: spawns a fake agent the way LabVm does, prints its pid, then is SIGKILLed.
    const vim = spawn(
      process.execPath,
      [
        '-e',
        `const { spawn } = require('node:child_process')
         const agent = spawn(process.execPath, ['--import', process.env.WATCHDOG, process.env.AGENT, '--name', 'lab-1'],
           { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true })
         agent.once('spawn', () => console.log('agent pid ' + agent.pid))`,
      ],
      { env: { PATH: process.env.PATH, WATCHDOG: AGENT_PARENT_WATCHDOG, AGENT: bundle('serving') } },
    )
    let output = ''
    vim.stdout.on('data', (chunk) => (output += chunk))
    const agentPid = await until('the agent up', async () => {
      const pid = /agent pid (\d+)/.exec(output)?.[1]
      return pid && /load balancer on/.test(output) ? Number(pid) : undefined
    })
    vim.kill('SIGKILL')
    await until('the orphaned agent gone', async () => (alive(agentPid) ? undefined : true))
    expect(output).toContain('SIGTERM: stopping; removing the containers')
  })
})
