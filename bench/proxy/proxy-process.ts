// One process of the proxy benchmark, by role: the two trivial backends, the agent's real local load
// balancer in front of them, or the VIM's real front proxy in front of that; each data plane's own
// (embedded, or HAProxy run by our code with its generated configuration). Started by proxy-bench.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { VimMetrics } from '../../src/main/metrics/prometheus'
import { FrontProxy } from '../../src/main/proxy/front-proxy'
import { HaproxyFrontProxy } from '../../src/main/proxy/haproxy-front'
import { BackendPool, DEFAULT_BALANCER_SETTINGS } from '../../src/shared/balancer'
import { RequestMeter } from '../../src/shared/proxy/request-meter'
import type { Agent } from '../../vmm-agent/agent'
import { startHaproxyLoadBalancer } from '../../vmm-agent/proxy/haproxy-lb'
import { type LocalLoadBalancer, startLocalLoadBalancer } from '../../vmm-agent/proxy/local-lb'
import type { AgentStatus } from '../../vmm-agent/status'
import { failStart, serveParent } from './bench-child-runtime'

/** What each backend answers: small, fixed, with a length so that every hop can keep the socket alive. */
export const BACKEND_BODY = '{"ok":true,"served":"bench"}\n'

export type ProxyRole = 'backends' | 'agent-lb' | 'front' | 'haproxy-agent-lb' | 'haproxy-front'

export interface ProxyProcessReady {
  /** The ports it listens on: two for the backends, one for a proxy. */
  ports: number[]
}

/** A folder of this process's own, removed when it exits however it exits (the parent may cut a clean-up short). */
function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

async function startBackends(): Promise<void> {
  const served = [0, 0]
  const servers = [0, 1].map((index) =>
    createServer((req, res) => {
      // The HAProxy planes' health checks are not load: only the measured requests count.
      if (req.url !== '/healthz') served[index]!++
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(BACKEND_BODY),
        'X-Served-By': `bench-vm/backend-${index + 1}`,
      })
      res.end(BACKEND_BODY)
    }),
  )
  const ports = await Promise.all(servers.map(listen))
  serveParent(
    { ports } satisfies ProxyProcessReady,
    {
      // Requests each backend answered since the last call: shows how the proxy in front split them.
      takeServed: () => served.splice(0, 2, 0, 0),
    },
    async () => {
      for (const server of servers) server.closeAllConnections()
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    },
  )
}

/**
 * A stand-in for the Agent with just what its load balancers read: the pool and meter (built exactly as
 * the Agent builds them), two ready replicas and the configuration they take.
 */
function benchAgent(backendPorts: number[], stateDir: string) {
  const pool = new BackendPool()
  const replicas = new Map(
    backendPorts.map((port, index) => [`backend-${index + 1}`, { handle: { host: '127.0.0.1', port } }]),
  )
  for (const id of replicas.keys()) pool.setBackend({ id, weight: 1 })
  return {
    pool,
    meter: new RequestMeter(),
    replicas,
    config: {
      name: 'bench-vm',
      balancer: DEFAULT_BALANCER_SETTINGS,
      dataPlane: 'haproxy',
      keyFile: join(stateDir, 'agent.key'),
    },
    // Answers the front's health checks (/_agent/healthz) as the Agent would.
    servingReplicas: () => replicas.size,
    countInFlightWith: () => {},
  }
}

/**
 * The agent's own load balancer on either plane: startLocalLoadBalancer (embedded) or
 * startHaproxyLoadBalancer (HAProxy with the configuration the agent generates), given a stand-in Agent.
 */
async function startAgentLoadBalancer(backendPorts: number[], haproxy?: string): Promise<void> {
  const stateDir = temporaryDir('acs-bench-agent-')
  const agent = benchAgent(backendPorts, stateDir)
  const status = () => ({ name: 'bench-vm' }) as AgentStatus
  let lb: LocalLoadBalancer
  try {
    lb =
      haproxy === undefined
        ? await startLocalLoadBalancer(agent as unknown as Agent, status, '127.0.0.1', 0)
        : await startHaproxyLoadBalancer(
            agent as unknown as Agent,
            status,
            '127.0.0.1',
            0,
            {},
            haproxy,
            () => {},
          )
  } catch (error) {
    rmSync(stateDir, { recursive: true, force: true })
    throw error
  }
  serveParent(
    { ports: [lb.port] } satisfies ProxyProcessReady,
    {
      // The balancer's view (in flight, failures, ejections): a benchmark must not measure an ejected pool.
      pool: () => agent.pool.snapshot(),
    },
    async () => {
      await lb.close(1000)
      rmSync(stateDir, { recursive: true, force: true })
    },
  )
}

/**
 * The VIM's FrontProxy as core.ts builds it (with the per-request Prometheus hook), with one VM in
 * rotation: the agent load balancer, weighted by its two ready replicas.
 */
async function startFrontProxy(lbPort: number): Promise<void> {
  const metrics = new VimMetrics()
  const front = new FrontProxy({
    host: '127.0.0.1',
    port: 0,
    onResponse: (vm, status, seconds) => metrics.recordRequest(vm, status, seconds),
  })
  front.syncBackends([{ vmId: 'bench-vm', address: { host: '127.0.0.1', port: lbPort }, readyContainers: 2 }])
  const port = await front.start()
  serveParent({ ports: [port] } satisfies ProxyProcessReady, {}, () => front.close())
}

/** The VIM's front on the HAProxy plane as core.ts builds it (createFrontDataPlane), one VM in rotation. */
async function startHaproxyFrontProxy(lbPort: number, haproxy: string): Promise<void> {
  const dataDir = temporaryDir('acs-bench-front-')
  const metrics = new VimMetrics()
  const front = new HaproxyFrontProxy({
    host: '127.0.0.1',
    port: 0,
    binary: haproxy,
    dataDir,
    log: () => {},
    onResponse: (vm, status, seconds) => metrics.recordRequest(vm, status, seconds),
  })
  front.syncBackends([{ vmId: 'bench-vm', address: { host: '127.0.0.1', port: lbPort }, readyContainers: 2 }])
  let port: number
  try {
    port = await front.start()
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
  serveParent({ ports: [port] } satisfies ProxyProcessReady, {}, async () => {
    await front.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
}

const [role, ...rest] = process.argv.slice(2)
const ports = rest.map(Number)
try {
  if (role === 'backends') await startBackends()
  else if (role === 'agent-lb') await startAgentLoadBalancer(ports)
  else if (role === 'front') await startFrontProxy(ports[0]!)
  // The HAProxy binary comes first, then the ports.
  else if (role === 'haproxy-agent-lb') await startAgentLoadBalancer(rest.slice(1).map(Number), rest[0])
  else if (role === 'haproxy-front') await startHaproxyFrontProxy(Number(rest[1]), rest[0]!)
  else
    throw new Error(
      `unknown role "${role}" (expected backends, agent-lb, front, haproxy-agent-lb or haproxy-front)`,
    )
} catch (error) {
  failStart(error)
}
