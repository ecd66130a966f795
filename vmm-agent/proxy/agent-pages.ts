// The agent's own pages on its load balancer port: /_agent/status for those allowed to read it and
// /_agent/healthz for anyone. Served by the embedded balancer itself, or behind HAProxy by a loopback
// server that HAProxy routes /_agent/ to.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AGENT_HEALTH_PATH, AGENT_STATUS_PATH } from '../../src/shared/proxy/agent-paths'
import { sendJsonError } from '../../src/shared/proxy/balanced-proxy'
import type { Agent } from '../agent'
import type { AgentStatus } from '../status'
import { mayReadStatus } from './status-access'

/** Answers the request if it is for one of the pages and returns true; false leaves it to the caller. */
export function answerAgentPage(
  req: IncomingMessage,
  res: ServerResponse,
  agent: Agent,
  status: () => AgentStatus,
  token: string | undefined,
  peer = req.socket.remoteAddress,
): boolean {
  if (req.url === AGENT_STATUS_PATH && req.method === 'GET') {
    if (!mayReadStatus({ peer, headers: req.headers }, token)) {
      sendJsonError(res, 404, 'Not found')
      return true
    }
    const body = JSON.stringify(status())
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(body)
    return true
  }
  if (req.url === AGENT_HEALTH_PATH && req.method === 'GET') {
    answerHealth(res, agent)
    return true
  }
  return false
}

/** Open to anyone who reaches the port: it tells no more than whether requests would be served. */
function answerHealth(res: ServerResponse, agent: Agent): void {
  const serving = agent.servingReplicas()
  const body = JSON.stringify({ healthy: serving > 0, servingContainers: serving })
  res.writeHead(serving > 0 ? 200 : 503, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  })
  res.end(body)
}
