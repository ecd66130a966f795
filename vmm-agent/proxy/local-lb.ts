// The agent's load balancer on --lb-port: spreads requests over this VM's ready replicas with the
// shared balancer, and answers GET /_agent/status on the same port to those allowed to read it.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AGENT_HEALTH_PATH, AGENT_STATUS_PATH } from '../../src/shared/proxy/agent-paths'
import { createBalancedProxy } from '../../src/shared/proxy/balanced-proxy'
import type { TrustedProxies } from '../../src/shared/proxy/forwarding'
import { serveLean } from '../../src/shared/proxy/lean-server'
import type { Agent } from '../agent'
import type { AgentStatus } from '../status'
import { answerAgentPage } from './agent-pages'

export interface LocalLoadBalancer {
  readonly port: number
  /** Stops accepting, lets in-flight requests finish (bounded), then closes. */
  close(graceMs?: number): Promise<void>
}

export interface LocalLoadBalancerAccess {
  /** The join token: `Authorization: Bearer TOKEN` reads the status page from anywhere. */
  token?: string | undefined
  /** The proxies in front (the VIM's front proxy) whose forwarding headers are kept. */
  trustedProxies?: () => TrustedProxies
}

export async function startLocalLoadBalancer(
  agent: Agent,
  status: () => AgentStatus,
  host: string,
  port: number,
  access: LocalLoadBalancerAccess = {},
): Promise<LocalLoadBalancer> {
  const proxy = createBalancedProxy({
    ...(access.trustedProxies ? { trustedProxies: access.trustedProxies } : {}),
    pool: agent.pool,
    meter: agent.meter,
    resolve: (id) => {
      const handle = agent.replicas.get(id)?.handle
      return handle ? { host: handle.host, port: handle.port } : undefined
    },
    describe: (id) => `${agent.config.name}/${agent.replicas.get(id)?.handle.name ?? id}`,
    // Its own 503s (nothing ready, queue full) say "no container saw this": the VIM may retry elsewhere.
    markUnserved: true,
    noBackendMessage: () =>
      `No container is ready on VM ${agent.config.name} yet (${agent.replicas.size} starting or draining); retry in a moment.`,
  })

  // Slow or stalled clients must not hold sockets forever (Node checks these once a second here).
  const server: Server = createServer(
    { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 },
    (req, res) => {
      if (!answerAgentPage(req, res, agent, status, access.token)) proxy.web(req, res)
    },
  )
  server.on('upgrade', (req, socket, head) => proxy.upgrade(req, socket, head))
  // Plain requests skip node:http's per-request objects; the agent's pages and the rest go as above.
  const lean = serveLean(server, {
    takes: (target) => target !== AGENT_STATUS_PATH && target !== AGENT_HEALTH_PATH,
    handle: proxy.web,
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })

  return {
    port: (server.address() as AddressInfo).port,
    close: async (graceMs = 10_000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      lean.closeIdle()
      const timer = setTimeout(() => lean.closeAll(), graceMs)
      await closed
      clearTimeout(timer)
      proxy.close()
    },
  }
}
