// One process of the proxy benchmark, by role: the two trivial backends, the agent's real local load
// balancer in front of them, or the VIM's real front proxy in front of that. Started by proxy-bench.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { VimMetrics } from '../../src/main/metrics/prometheus'
import { FrontProxy } from '../../src/main/proxy/front-proxy'
import { BackendPool } from '../../src/shared/balancer'
import { RequestMeter } from '../../src/shared/proxy/request-meter'
import type { Agent } from '../../vmm-agent/agent'
import { startLocalLoadBalancer } from '../../vmm-agent/proxy/local-lb'
import type { AgentStatus } from '../../vmm-agent/status'
import { failStart, serveParent } from './bench-child-runtime'

/** What each backend answers: small, fixed, with a length so that every hop can keep the socket alive. */
export const BACKEND_BODY = '{"ok":true,"served":"bench"}\n'

export type ProxyRole = 'backends' | 'agent-lb' | 'front'

export interface ProxyProcessReady {
  /** The ports it listens on: two for the backends, one for a proxy. */
  ports: number[]
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
    createServer((_req, res) => {
      served[index]!++
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
 * The agent's own startLocalLoadBalancer, given a stand-in for the Agent with just what the load balancer
 * reads: the pool and meter (built exactly as the Agent builds them) and two ready replicas.
 */
async function startAgentLoadBalancer(backendPorts: number[]): Promise<void> {
  const pool = new BackendPool()
  const replicas = new Map(
    backendPorts.map((port, index) => [`backend-${index + 1}`, { handle: { host: '127.0.0.1', port } }]),
  )
  for (const id of replicas.keys()) pool.setBackend({ id, weight: 1 })
  // servingReplicas answers the front proxy's health checks (/_agent/healthz) as the Agent would.
  const agent = {
    pool,
    meter: new RequestMeter(),
    replicas,
    config: { name: 'bench-vm' },
    servingReplicas: () => replicas.size,
  }
  const lb = await startLocalLoadBalancer(
    agent as unknown as Agent,
    () => ({ name: 'bench-vm' }) as AgentStatus,
    '127.0.0.1',
    0,
  )
  serveParent(
    { ports: [lb.port] } satisfies ProxyProcessReady,
    {
      // The balancer's view (in flight, failures, ejections): a benchmark must not measure an ejected pool.
      pool: () => pool.snapshot(),
    },
    () => lb.close(1000),
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

const [role, ...rest] = process.argv.slice(2)
const ports = rest.map(Number)
try {
  if (role === 'backends') await startBackends()
  else if (role === 'agent-lb') await startAgentLoadBalancer(ports)
  else if (role === 'front') await startFrontProxy(ports[0]!)
  else throw new Error(`unknown role "${role}" (expected backends, agent-lb or front)`)
} catch (error) {
  failStart(error)
}
