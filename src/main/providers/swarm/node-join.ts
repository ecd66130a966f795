// The deploy step of a Swarm node: over SSH, check that its engine is in no Swarm, load the workload image
// into it, join it to the VIM's Swarm as a worker, and wait until the manager sees it ready.
import type Docker from 'dockerode'
import type { AddSwarmNodeInput } from '../../../shared/domain/swarm'
import type { KnownHosts } from '../../provision/known-hosts'
import { NodeLink } from './node-link'
import type { SwarmEngine } from './swarm-engine'
import type { SwarmNodeView } from './swarm-view'

export interface JoinContext {
  knownHosts: KnownHosts
  /** The VIM's engine, which holds the workload image. */
  local: Docker
  swarm: SwarmEngine
  image: string
  managerAddress: string
  /** How long the manager may take to see the new node ready. */
  readyTimeoutMs?: number
}

/** Joins the host; resolves with its node and the open SSH link (the caller closes it), or fails saying why. */
export async function joinNode(
  input: AddSwarmNodeInput,
  context: JoinContext,
): Promise<{ node: SwarmNodeView; link: NodeLink }> {
  const link = await NodeLink.open(
    {
      host: input.address,
      port: input.port,
      user: input.user,
      auth: input.auth,
      keyPath: input.keyPath,
      password: input.password,
      passphrase: input.passphrase,
    },
    context.knownHosts,
  )
  try {
    const state = await link.swarmState()
    if (state !== 'inactive')
      throw new Error(
        `${input.address}: its Docker Engine is already in a Swarm (${state}); the VIM joins only engines outside one`,
      )
    await link.loadImage(context.local, context.image)
    const before = new Set((await context.swarm.nodes()).map((n) => n.id))
    await link.join(await context.swarm.workerToken(), context.managerAddress)
    const node = await readyNode(
      context.swarm,
      (n) => !before.has(n.id) && n.address === input.address,
      context.readyTimeoutMs ?? 30_000,
    )
    return { node, link }
  } catch (error) {
    link.close()
    throw error
  }
}

async function readyNode(
  swarm: SwarmEngine,
  match: (node: SwarmNodeView) => boolean,
  timeoutMs: number,
): Promise<SwarmNodeView> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const node = (await swarm.nodes()).find(match)
    if (node?.state === 'ready') return node
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(
    `the node joined but the manager did not see it ready within ${Math.round(timeoutMs / 1000)} s`,
  )
}
