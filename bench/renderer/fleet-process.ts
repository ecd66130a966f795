// The simulated fleet of the renderer benchmark, in a process of its own: it trusts the VIM hub's
// self-signed certificate through NODE_EXTRA_CA_CERTS, which Node reads only at start-up, so the agents
// connect over wss:// as real ones do while the fleet simulator stays unchanged.

import { startFleet } from '../hub/fleet-simulator'
import { failStart, serveParent } from '../proxy/bench-child-runtime'

async function start(url: string, token: string, agents: number, containersPerAgent: number): Promise<void> {
  const fleet = await startFleet({ url, token, agents, containersPerAgent, connectTimeoutMs: 10_000 })
  serveParent(fleet.stats(), { stats: () => fleet.stats() }, () => fleet.close())
}

const [url, token, agents, containers] = process.argv.slice(2)
if (!url || !token || !Number(agents) || !Number(containers)) {
  failStart(new Error('usage: fleet-process WSS_URL JOIN_TOKEN AGENTS CONTAINERS_PER_AGENT'))
} else await start(url, token, Number(agents), Number(containers)).catch(failStart)
