// What to tell HAProxy's Runtime API so that its servers match the wanted ones, without a reload: new
// servers are added (they arrive in maintenance, so they are made ready after their checks are on),
// changed weights set, and servers that left are put in maintenance first and deleted only once no
// connection uses them (HAProxy refuses to delete a busy server). Pure.
import {
  type HaproxyPlaneSpec,
  type HaproxyServer,
  haproxyWeight,
  SLOW_START_MS,
  serverAddress,
  serverMaxconn,
  serverName,
  serverParameters,
  WORKLOAD_BACKEND,
} from './haproxy-config'

/** What HAProxy holds now for one server, as this plane last told it. */
export interface AppliedServer {
  address: string
  weight: number
  /** Put in maintenance on its way out; deleted once idle. */
  leaving: boolean
}

export interface ServerPlan {
  commands: string[]
  /** The servers HAProxy holds once the commands ran. */
  applied: Map<string, AppliedServer>
}

/**
 * Commands from `applied` to `wanted`. `busy(id)` says whether a leaving server still has connections
 * (from the last `show stat`); one that is idle is deleted.
 */
export function planServers(
  applied: ReadonlyMap<string, AppliedServer>,
  wanted: readonly HaproxyServer[],
  spec: Pick<HaproxyPlaneSpec, 'health' | 'queue'>,
  busy: (id: string) => boolean,
): ServerPlan {
  const commands: string[] = []
  const next = new Map<string, AppliedServer>()
  const wantedIds = new Set<string>()
  for (const server of wanted) {
    const name = `${WORKLOAD_BACKEND}/${serverName(server.id)}`
    const address = serverAddress(server.host, server.port)
    const weight = haproxyWeight(server.weight)
    wantedIds.add(server.id)
    const current = applied.get(server.id)
    if (current && current.address !== address) {
      // A server that moved is replaced: HAProxy would keep its old connections' reuse otherwise.
      commands.push(`set server ${name} state maint`)
      if (busy(server.id)) {
        next.set(server.id, { ...current, leaving: true })
        continue
      }
      commands.push(`del server ${name}`)
    }
    if (!current || current.address !== address) {
      commands.push(
        `add server ${name} ${address} ${serverParameters({ weight }, spec, SLOW_START_MS)}`,
        ...(spec.health.enabled ? [`enable health ${name}`] : []),
        `set server ${name} state ready`,
      )
    } else {
      if (current.leaving) commands.push(`set server ${name} state ready`)
      if (current.weight !== weight) {
        commands.push(`set server ${name} weight ${weight}`)
        if (weight > 0) commands.push(`set maxconn server ${name} ${serverMaxconn(weight, spec.queue)}`)
      }
    }
    next.set(server.id, { address, weight, leaving: false })
  }
  for (const [id, current] of applied) {
    if (wantedIds.has(id)) continue
    const name = `${WORKLOAD_BACKEND}/${id}`
    if (!current.leaving) commands.push(`set server ${name} state maint`)
    if (busy(id)) next.set(id, { ...current, leaving: true })
    else commands.push(`del server ${name}`)
  }
  return { commands, applied: next }
}

/** The servers a freshly (re)loaded HAProxy holds: those its configuration names. */
export function appliedFromConfig(servers: readonly HaproxyServer[]): Map<string, AppliedServer> {
  return new Map(
    servers.map((s) => [
      s.id,
      { address: serverAddress(s.host, s.port), weight: haproxyWeight(s.weight), leaving: false },
    ]),
  )
}

/** The trusted-peers file's lines from the Runtime API's point of view: clear it, then add each. */
export function trustedPeerCommands(path: string, peers: readonly string[]): string[] {
  return [`clear acl ${path}`, ...peers.map((peer) => `add acl ${path} ${trustedPeer(peer)}`)]
}

const PEER = /^[0-9A-Fa-f:.]{2,45}(\/\d{1,3})?$/

/** An address or CIDR block, as written in the trusted-peers file; throws for anything else. */
export function trustedPeer(peer: string): string {
  // An IPv4 peer seen on a dual-stack socket: HAProxy matches IPv4 clients against the IPv4 form.
  const plain = peer.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+)/i, '')
  if (!PEER.test(plain)) throw new Error(`'${peer}' is not an address or CIDR block`)
  return plain
}
