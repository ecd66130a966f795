import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PARENT_WATCHDOG, ProcessRuntime, pidOfProcessReplica, processReplicaId } from './process-runtime'
import type { ReplicaExit } from './runtime'

// A stand-in for the workload server (written in parallel at vmm-agent/workload/server.ts): it honours
// PORT and answers /healthz, and can crash or ignore SIGTERM on request.
const STAND_IN = `
import http from 'node:http'
if (process.env.IGNORE_SIGTERM === '1') process.on('SIGTERM', () => {})
http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end(JSON.stringify({ servedBy: process.env.SERVED_BY, cpus: process.env.CPUS, extra: process.env.EXTRA }))
  if (req.url === '/crash') { res.end('bye'); setTimeout(() => process.exit(3), 10); return }
  res.statusCode = 404
  res.end()
}).listen(Number(process.env.PORT), '127.0.0.1')
`

let dir: string
let serverPath: string
const runtimes: ProcessRuntime[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'acs-process-runtime-'))
  serverPath = join(dir, 'server.mjs')
  writeFileSync(serverPath, STAND_IN)
})

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

function runtime(options: Partial<ConstructorParameters<typeof ProcessRuntime>[0]> = {}): ProcessRuntime {
  const created = new ProcessRuntime({ serverPath, stopTimeoutSeconds: 2, ...options })
  runtimes.push(created)
  return created
}

async function healthz(port: number, timeoutMs = 10_000): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`)
      return (await response.json()) as Record<string, string>
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** Running and not a zombie: an orphan may wait a while for a reaper once its parent is gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

function nextExit(target: ProcessRuntime): Promise<ReplicaExit> {
  return new Promise((resolve) => {
    const off = target.onExit((exit) => {
      off()
      resolve(exit)
    })
  })
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

describe('replica ids', () => {
  it.each([
    ['proc-1234', 1234],
    ['proc-', undefined],
    ['proc-12a', undefined],
    ['3cfee17e7760', undefined],
  ])('%s → %s', (id, pid) => {
    expect(pidOfProcessReplica(id)).toBe(pid)
  })

  it('round-trips', () => expect(pidOfProcessReplica(processReplicaId(42))).toBe(42))
})

describe('ProcessRuntime', () => {
  it('needs a server, and refuses specs for another VM when it has a vmName', async () => {
    expect(() => new ProcessRuntime({})).toThrow(/serverPath or the bundled serverSource/)
    await expect(
      runtime({ vmName: 'lab-1' }).start({ vmName: 'lab-2', cpus: 1, memoryBytes: 1 << 27 }),
    ).rejects.toThrow(/manages VM 'lab-1', not 'lab-2'/)
  })

  it('runs a bundled (CommonJS) server source from a private file, removed on close()', async () => {
    const source = `require('node:http').createServer((q, s) => s.end(JSON.stringify({ servedBy: process.env.SERVED_BY }))).listen(Number(process.env.PORT), '127.0.0.1')`
    const rt = new ProcessRuntime({ vmName: 'lab-1', serverSource: async () => source })
    await rt.prepare()
    const handle = await rt.start({ vmName: 'lab-1', cpus: 0.25, memoryBytes: 1 << 27 })
    expect(await healthz(handle.port)).toEqual({ servedBy: 'lab-1/lab-1-p1' })
    const file = readFileSync(`/proc/${pidOfProcessReplica(handle.id)}/cmdline`, 'utf8')
      .split('\0')
      .at(-2)!
    expect(readFileSync(file, 'utf8')).toBe(source)
    await rt.close()
    expect(() => readFileSync(file)).toThrow(/ENOENT/)
  })

  it('prepare() names what is missing', async () => {
    await expect(runtime({ serverPath: join(dir, 'nope.js') }).prepare()).rejects.toThrow(
      /workload server.*nope\.js/,
    )
    await expect(runtime().prepare()).resolves.toBeUndefined()
  })

  it('starts a reachable replica, lists it, and removes it without reporting an exit', async () => {
    const rt = runtime()
    const exits: ReplicaExit[] = []
    rt.onExit((exit) => exits.push(exit))
    const handle = await rt.start({ vmName: 'lab-1', cpus: 0.5, memoryBytes: 256 << 20, env: { EXTRA: 'x' } })
    const pid = pidOfProcessReplica(handle.id)!
    expect(handle).toMatchObject({ name: 'lab-1-p1', host: '127.0.0.1', cpus: 0.5, running: true })
    expect(alive(pid)).toBe(true)
    expect(await healthz(handle.port)).toEqual({ servedBy: 'lab-1/lab-1-p1', cpus: '0.5', extra: 'x' })

    const second = await rt.start({ vmName: 'lab-1', cpus: 0.5, memoryBytes: 256 << 20 })
    expect(second.name).toBe('lab-1-p2')
    expect(second.port).not.toBe(handle.port)
    expect((await rt.list()).map((replica) => replica.id).sort()).toEqual([handle.id, second.id].sort())

    await rt.remove(handle.id)
    expect(alive(pid)).toBe(false)
    expect((await rt.list()).map((replica) => replica.id)).toEqual([second.id])
    await rt.remove(handle.id) // removing twice is harmless
    expect(exits).toEqual([])
  })

  it('reports a crash with its exit code, keeps the replica listed as not running until removed', async () => {
    const rt = runtime()
    const handle = await rt.start({ vmName: 'lab-1', cpus: 0.5, memoryBytes: 1 << 28 })
    await healthz(handle.port)
    const exit = nextExit(rt)
    await fetch(`http://127.0.0.1:${handle.port}/crash`)
    expect(await exit).toEqual({ id: handle.id, exitCode: 3, reason: 'crashed' })
    expect(await rt.list()).toMatchObject([{ id: handle.id, running: false }])
    await rt.remove(handle.id)
    expect(await rt.list()).toEqual([])
  })

  it('reports a replica killed from outside', async () => {
    const rt = runtime()
    const handle = await rt.start({ vmName: 'lab-1', cpus: 0.5, memoryBytes: 1 << 28 })
    const exit = nextExit(rt)
    process.kill(pidOfProcessReplica(handle.id)!, 'SIGKILL')
    expect(await exit).toEqual({ id: handle.id, exitCode: null, reason: 'killed' })
  })

  it('SIGKILLs a replica that ignores SIGTERM once the stop timeout passes', async () => {
    const rt = runtime({ stopTimeoutSeconds: 0.3 })
    const handle = await rt.start({
      vmName: 'lab-1',
      cpus: 0.5,
      memoryBytes: 1 << 28,
      env: { IGNORE_SIGTERM: '1' },
    })
    await healthz(handle.port)
    const started = Date.now()
    await rt.remove(handle.id)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect(alive(pidOfProcessReplica(handle.id)!)).toBe(false)
  })

  it('close() stops every replica and refuses new ones', async () => {
    const rt = runtime()
    const handles = await Promise.all(
      [1, 2, 3].map(() => rt.start({ vmName: 'v', cpus: 0.1, memoryBytes: 1 << 27 })),
    )
    await rt.close()
    for (const handle of handles) expect(alive(pidOfProcessReplica(handle.id)!)).toBe(false)
    await expect(rt.start({ vmName: 'v', cpus: 0.1, memoryBytes: 1 << 27 })).rejects.toThrow(/closed/)
  })

  it('a failed spawn is a clear error', async () => {
    const rt = runtime({ nodePath: join(dir, 'no-node') })
    await expect(rt.start({ vmName: 'v', cpus: 0.1, memoryBytes: 1 << 27 })).rejects.toThrow(
      /could not start/,
    )
  })

  it('replicas do not outlive an agent that dies without cleaning up', async () => {
    // A plain-JS "agent" that starts a replica the way ProcessRuntime does, prints its pid, and is
    // then SIGKILLed: the replica must follow it.
    const agentPath = join(dir, 'agent.mjs')
    writeFileSync(
      agentPath,
      `import { spawn } from 'node:child_process'
const child = spawn(process.execPath, ['--import', ${JSON.stringify(PARENT_WATCHDOG)}, ${JSON.stringify(serverPath)}],
  { env: { PORT: '0' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
child.on('spawn', () => console.log(child.pid))
`,
    )
    const agent = spawn(process.execPath, [agentPath], { stdio: ['ignore', 'pipe', 'inherit'] })
    const replicaPid = await new Promise<number>((resolve) =>
      agent.stdout.once('data', (d) => resolve(Number(`${d}`))),
    )
    expect(alive(replicaPid)).toBe(true)
    agent.kill('SIGKILL')
    try {
      await waitFor(() => !alive(replicaPid), 3000)
    } finally {
      if (alive(replicaPid)) process.kill(replicaPid, 'SIGKILL')
    }
  }, 10_000)
})
