// HAProxy's configuration for one data plane (the VIM's front or an agent's local balancer), generated
// from validated settings: names are checked against a strict pattern and every value is a number, so
// nothing a person or a peer typed reaches the file as text. Pure; the process module writes it.
import type { BalancerAlgorithm } from '../balancer/balancer-settings'
import type { HealthSettings } from '../balancer/health-settings'
import type { ProxyQueue, ProxyTimeouts } from '../proxy/proxy-limits'
import { RETRY_AFTER_SECONDS, UNSERVED_HEADER } from '../proxy/unserved'

/** The one backend each plane balances over, and the backend of the agent's own pages. */
export const WORKLOAD_BACKEND = 'workload'
export const PAGES_BACKEND = 'agent_pages'
/** The agent's pages learn the real client from this header (HAProxy sets it; a client's copy is dropped). */
export const PEER_HEADER = 'x-acs-peer'

export interface HaproxyServer {
  /** The backend id (a VM name, a container id): HAProxy's server name. */
  id: string
  host: string
  port: number
  weight: number
}

export interface HaproxyPlaneSpec {
  role: 'front' | 'agent'
  bind: { host: string; port: number }
  /** The Runtime API's unix socket. */
  socketPath: string
  /** A file of trusted peers (one address or CIDR block a line) that the Runtime API can change. */
  trustedPeersPath: string
  /** Error pages (raw HTTP responses) HAProxy answers itself: 503 when nothing is ready, 504, 502. */
  errorFiles: { 502: string; 503: string; 504: string }
  algorithm: BalancerAlgorithm
  /** GET probe of each server: /_agent/healthz for VMs, /healthz for containers. */
  healthPath: string
  health: HealthSettings
  timeouts: ProxyTimeouts
  queue: ProxyQueue
  /** Agent only: where the agent's own pages (/_agent/status, /_agent/healthz) are served. */
  agentPages?: { host: string; port: number }
  /** Servers known when the file is written, so that a reload loses none. */
  servers: readonly HaproxyServer[]
}

const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/
const HOST_NAME = /^[A-Za-z0-9.-]{1,253}$/
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/
const PATH = /^\/[A-Za-z0-9/_.-]{0,200}$/
const FILE_PATH = /^\/[A-Za-z0-9/_.+-]{1,300}$/
/** HAProxy's weights go from 0 to 256. */
export const MAX_WEIGHT = 256

/** Throws a clear Error for a name HAProxy could misread; returns it otherwise. */
export function serverName(id: string): string {
  if (!SERVER_NAME.test(id))
    throw new Error(`'${id}' cannot name an HAProxy server (letters, digits, '_', '.', '-'; at most 100)`)
  return id
}

/** `HOST:PORT` as HAProxy reads it (IPv6 in brackets); throws for anything else. */
export function serverAddress(host: string, port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port ${port} is not a TCP port`)
  if (host.includes(':')) {
    if (!IPV6.test(host)) throw new Error(`'${host}' is not an IPv6 address`)
    return `[${host}]:${port}`
  }
  if (!HOST_NAME.test(host)) throw new Error(`'${host}' is not a host name or address`)
  return `${host}:${port}`
}

export function haproxyWeight(weight: number): number {
  return Math.max(0, Math.min(MAX_WEIGHT, Math.round(weight)))
}

/** In-flight requests a server takes before HAProxy queues for it, as the embedded plane's limit. */
export function serverMaxconn(weight: number, queue: ProxyQueue): number {
  return Math.max(1, Math.round(weight) * queue.maxInFlightPerWeight)
}

/** The balancing lines of the embedded plane's algorithm. */
export function balanceLines(algorithm: BalancerAlgorithm): string[] {
  switch (algorithm) {
    case 'least-outstanding':
      return ['balance leastconn']
    case 'round-robin':
    case 'weighted':
      return ['balance roundrobin']
    case 'random':
      return ['balance random(1)']
    case 'consistent-hash':
      return ['balance source', 'hash-type consistent']
  }
}

/** A server's parameters: the same on a `server` line and in `add server` (dynamic servers inherit none). */
export function serverParameters(
  server: Pick<HaproxyServer, 'weight'>,
  spec: Pick<HaproxyPlaneSpec, 'health' | 'queue'>,
  slowStartMs: number,
): string {
  const weight = haproxyWeight(server.weight)
  const parts = [`weight ${weight}`, `maxconn ${serverMaxconn(Math.max(1, weight), spec.queue)}`]
  if (slowStartMs > 0) parts.push(`slowstart ${Math.round(slowStartMs)}`)
  if (spec.health.enabled) {
    parts.push(
      `check inter ${spec.health.intervalMs} fall ${spec.health.unhealthyThreshold} rise ${spec.health.healthyThreshold}`,
    )
  }
  return parts.join(' ')
}

/** Slow start of a new server; HAProxy ramps its weight up over this time after it comes up. */
export const SLOW_START_MS = 5_000

export function haproxyConfig(spec: HaproxyPlaneSpec): string {
  for (const path of [spec.socketPath, spec.trustedPeersPath, ...Object.values(spec.errorFiles)])
    if (!FILE_PATH.test(path)) throw new Error(`'${path}' is not a path HAProxy's configuration can hold`)
  if (!PATH.test(spec.healthPath)) throw new Error(`'${spec.healthPath}' is not a health check path`)
  const { timeouts, health, queue } = spec
  // A body may take as long as the slowest of its waits; HAProxy has one server-side inactivity timeout.
  const serverTimeout = Math.max(timeouts.responseHeadMs, timeouts.idleMs)
  const lines = [
    'global',
    `  stats socket ${spec.socketPath} mode 600 level admin`,
    '  stats timeout 10s',
    '  maxconn 8192',
    '',
    'defaults',
    '  mode http',
    '  option http-keep-alive',
    `  timeout connect ${timeouts.connectMs}ms`,
    `  timeout client ${timeouts.idleMs}ms`,
    `  timeout server ${serverTimeout}ms`,
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    `  timeout queue ${queue.maxWaitMs}ms`,
    `  timeout check ${health.timeoutMs}ms`,
    // WebSockets stay open while either side speaks within the idle timeout.
    `  timeout tunnel ${timeouts.idleMs}ms`,
    `  errorfile 502 ${spec.errorFiles[502]}`,
    `  errorfile 503 ${spec.errorFiles[503]}`,
    `  errorfile 504 ${spec.errorFiles[504]}`,
    '',
    'frontend public',
    `  bind ${serverAddress(spec.bind.host, spec.bind.port)}`,
    `  acl trusted_peer src -f ${spec.trustedPeersPath}`,
    // Forwarding headers are believed only from trusted peers; HAProxy then appends the peer it saw.
    '  http-request del-header x-forwarded-for unless trusted_peer',
    '  http-request del-header x-forwarded-proto unless trusted_peer',
    '  http-request del-header x-forwarded-host unless trusted_peer',
    '  http-request del-header forwarded unless trusted_peer',
    `  http-request del-header ${PEER_HEADER}`,
    `  http-request del-header ${UNSERVED_HEADER}`,
    '  http-request set-header x-forwarded-proto http unless { req.hdr(x-forwarded-proto) -m found }',
    '  option forwardfor',
  ]
  if (spec.role === 'front') {
    // Every spelling of /_agent (case, percent-encoding up to three rounds, absolute form) is refused.
    lines.push('  http-request deny deny_status 404 if { url,url_dec,url_dec,url_dec,lower -m sub _agent }')
    // "Not served here" from an agent: the marker stops at this tier.
    lines.push(`  http-response del-header ${UNSERVED_HEADER}`)
  } else {
    if (!spec.agentPages) throw new Error("an agent's plane needs the address of the agent's pages")
    lines.push(`  use_backend ${PAGES_BACKEND} if { path,lower -m beg /_agent }`)
  }
  lines.push(`  default_backend ${WORKLOAD_BACKEND}`, '', `backend ${WORKLOAD_BACKEND}`)
  for (const line of balanceLines(spec.algorithm)) lines.push(`  ${line}`)
  lines.push(
    `  option httpchk GET ${spec.healthPath}`,
    '  http-check expect status 200',
    // What the embedded plane retries: a connection that never opened (any request), an empty answer or
    // an agent's "not served here" 503 (GET, HEAD or OPTIONS without a body); never a slow answer.
    '  retries 2',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response 503',
    '  http-request disable-l7-retry unless { method GET HEAD OPTIONS } !{ req.hdr_cnt(content-length) gt 0 } !{ req.hdr_cnt(transfer-encoding) gt 0 }',
  )
  for (const server of spec.servers) {
    lines.push(
      `  server ${serverName(server.id)} ${serverAddress(server.host, server.port)} ${serverParameters(server, spec, 0)}`,
    )
  }
  if (spec.agentPages) {
    lines.push(
      '',
      `backend ${PAGES_BACKEND}`,
      // The pages decide who may read them from the client's address; loopback callers come unrelayed.
      `  http-request set-header ${PEER_HEADER} %[src]`,
      '  option forwardfor except 127.0.0.0/8',
      `  server pages ${serverAddress(spec.agentPages.host, spec.agentPages.port)}`,
    )
  }
  return `${lines.join('\n')}\n`
}

/** A raw HTTP response for `errorfile`: the embedded plane's JSON error, with its headers. */
export function errorResponse(status: 502 | 503 | 504, message: string, unserved: boolean): string {
  const reason = { 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[status]
  const code = { 502: 'bad_gateway', 503: 'unavailable', 504: 'timeout' }[status]
  const body = JSON.stringify({ error: { code, message } })
  const headers = [
    `HTTP/1.1 ${status} ${reason}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    'Cache-Control: no-store',
    'Connection: close',
  ]
  if (status === 503) headers.push(`Retry-After: ${RETRY_AFTER_SECONDS}`)
  if (status === 503 && unserved) headers.push(`${UNSERVED_HEADER}: no-backend`)
  return `${headers.join('\r\n')}\r\n\r\n${body}`
}
