// The agent's load balancer run by HAProxy (--data-plane haproxy): HAProxy listens on --lb-port and
// spreads requests over the ready containers the agent's pool holds, with the same weights, drain and
// /healthz checks; /_agent/ goes to the agent's pages on a loopback port. Its stats feed the agent's
// meter (the reports and the UI's charts) and in-flight counts (drains).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import type { HaproxyServer } from '../../src/shared/haproxy/haproxy-config'
import { PEER_HEADER } from '../../src/shared/haproxy/haproxy-config'
import { HaproxyPlane } from '../../src/shared/haproxy/haproxy-plane'
import { findHaproxy, HAPROXY_MISSING } from '../../src/shared/haproxy/haproxy-process'
import { sendJsonError } from '../../src/shared/proxy/balanced-proxy'
import type { Agent } from '../agent'
import type { AgentStatus } from '../status'
import { answerAgentPage } from './agent-pages'
import { type LocalLoadBalancer, type LocalLoadBalancerAccess, startLocalLoadBalancer } from './local-lb'

/** The plane the agent's configuration asks for; the embedded one, said in one line, without HAProxy. */
export async function startAgentDataPlane(
  agent: Agent,
  status: () => AgentStatus,
  host: string,
  port: number,
  access: LocalLoadBalancerAccess,
  say: (line: string) => void,
  find: () => string | undefined = findHaproxy,
): Promise<LocalLoadBalancer> {
  const binary = agent.config.dataPlane === 'haproxy' ? find() : undefined
  if (agent.config.dataPlane === 'haproxy' && binary === undefined) say(HAPROXY_MISSING)
  if (agent.config.dataPlane !== 'haproxy' || binary === undefined)
    return startLocalLoadBalancer(agent, status, host, port, access)
  return startHaproxyLoadBalancer(agent, status, host, port, access, binary, say)
}

export async function startHaproxyLoadBalancer(
  agent: Agent,
  status: () => AgentStatus,
  host: string,
  port: number,
  access: LocalLoadBalancerAccess,
  binary: string,
  say: (line: string) => void,
): Promise<LocalLoadBalancer> {
  const pages = await startPages(agent, status, access.token)
  const pagesPort = (pages.address() as AddressInfo).port
  const trusted = () => access.trustedProxies?.().entries ?? []
  let trustedNow = trusted()
  const plane = new HaproxyPlane({
    binary,
    // Beside the agent's key: its state directory.
    dir: join(dirname(agent.config.keyFile), `haproxy-${agent.config.name}`),
    role: 'agent',
    host,
    port,
    healthPath: '/healthz',
    agentPages: { host: '127.0.0.1', port: pagesPort },
    settings: agent.config.balancer,
    noBackendMessage: `No container is ready on VM ${agent.config.name} right now; retry in a moment.`,
    wanted: () => wantedServers(agent),
    trustedPeers: trustedNow,
    onTraffic: (traffic) => {
      for (const server of traffic)
        for (const { status: code, count } of server.answers)
          for (let i = 0; i < count; i++) agent.meter.record(server.id, server.responseMs, code < 500)
    },
    log: (line) => say(`haproxy: ${line}`),
  })
  let lbPort: number
  try {
    lbPort = await plane.start()
  } catch (error) {
    pages.close()
    throw error
  }
  agent.countInFlightWith((id, weight) => plane.inFlight(id, weight))
  // The VIM's address becomes known (and trusted) once the link is up; HAProxy learns it at runtime.
  const watchTrust = setInterval(() => {
    const now = trusted()
    if (now.join(',') === trustedNow.join(',')) return
    trustedNow = now
    plane.setTrustedPeers(now)
  }, 1000)
  return {
    port: lbPort,
    close: async (graceMs = 10_000) => {
      clearInterval(watchTrust)
      await plane.close(graceMs)
      agent.countInFlightWith(undefined)
      await new Promise<void>((resolve) => pages.close(() => resolve()))
    },
  }
}

/** The containers HAProxy should send to: the pool's, at weight 0 while draining, unhealthy or ejected. */
export function wantedServers(agent: Agent): HaproxyServer[] {
  const servers: HaproxyServer[] = []
  for (const backend of agent.pool.snapshot()) {
    const handle = agent.replicas.get(backend.id)?.handle
    if (!handle) continue
    const serving = backend.state !== 'unhealthy' && backend.state !== 'ejected'
    servers.push({
      id: backend.id,
      host: handle.host,
      port: handle.port,
      weight: serving ? backend.weight : 0,
    })
  }
  return servers
}

/** The agent's pages on a loopback port: HAProxy names the client in PEER_HEADER (anyone else's is dropped). */
async function startPages(
  agent: Agent,
  status: () => AgentStatus,
  token: string | undefined,
): Promise<Server> {
  const server = createServer((req, res) => {
    const named = req.headers[PEER_HEADER]
    const peer = typeof named === 'string' ? named : req.socket.remoteAddress
    if (!answerAgentPage(req, res, agent, status, token, peer)) sendJsonError(res, 404, 'Not found')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  return server
}
