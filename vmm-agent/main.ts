// The vmm-agent command: configuration → runtime → agent loop → local load balancer → VIM link.
import { type AgentKey, loadOrCreateAgentKey } from '../src/shared/protocol/agent-identity'
import { TrustedProxies } from '../src/shared/proxy/forwarding'
import { Agent, type AgentEvent, type ReplicaStatsSource } from './agent'
import { AGENT_USAGE, type AgentConfig, parseAgentArgs } from './config'
import { startAgentDataPlane } from './proxy/haproxy-lb'
import type { LocalLoadBalancer } from './proxy/local-lb'
import { DockerRuntime } from './runtime/docker-runtime'
import { LogRing } from './runtime/log-lines'
import { ProcessRuntime } from './runtime/process-runtime'
import type { ContainerRuntime } from './runtime/runtime'
import { createStatsSource } from './stats'
import { agentStatus } from './status'
import { connectToVim, type VimSession } from './vim-session'
import { workloadSource } from './workload/source'

declare const __ACS_AGENT_VERSION__: string | undefined
export const AGENT_VERSION = typeof __ACS_AGENT_VERSION__ === 'string' ? __ACS_AGENT_VERSION__ : 'dev'

// When whoever reads our output goes away (a VIM that died), a write must not kill the agent before it has
// cleaned up: EPIPE on stdout/stderr is ignored.
process.stdout.on('error', () => {})
process.stderr.on('error', () => {})

/** The agent's own log, kept for the VIM's "agent log" panel as well as printed. */
const ownLog = new LogRing()

function say(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`)
  ownLog.add(line)
}

function fail(message: string, exitCode: number): never {
  process.stderr.write(`vmm-agent: ${message}\n`)
  process.exit(exitCode)
}

function createRuntime(config: AgentConfig): ContainerRuntime {
  if (config.runtime === 'process')
    return new ProcessRuntime({ vmName: config.name, serverSource: workloadSource })
  return new DockerRuntime({
    vmName: config.name,
    cluster: config.cluster,
    dockerHost: config.dockerHost,
    network: config.network,
    serverSource: workloadSource,
    ...(config.image ? { image: config.image } : {}),
    onBuildProgress: (line) => say(`image build: ${line}`),
  })
}

async function main(): Promise<void> {
  const parsed = parseAgentArgs(process.argv.slice(2), process.env)
  if (parsed.kind === 'help') {
    process.stdout.write(`${AGENT_USAGE}\n`)
    return
  }
  if (parsed.kind === 'error') fail(`${parsed.message} (see --help)`, 2)
  const { config } = parsed
  // Loaded before anything starts: a damaged key is for a person to fix, never replaced behind the
  // VIM's back (it has the public half pinned). Exit code 3 says so to a service manager.
  let identity: AgentKey | undefined
  if (config.vim && config.token) {
    try {
      const loaded = loadOrCreateAgentKey(config.keyFile)
      identity = loaded.key
      say(`agent key ${identity.fingerprint} ${loaded.created ? 'made in' : 'read from'} ${config.keyFile}`)
      if (loaded.warning) say(`warning: ${loaded.warning}`)
    } catch (error) {
      fail((error as Error).message, 3)
    }
  }

  let runtime: ContainerRuntime
  let stats: ReplicaStatsSource
  try {
    runtime = createRuntime(config)
    stats = createStatsSource(config.runtime, runtime, { dockerHost: config.dockerHost })
  } catch (error) {
    fail((error as Error).message, 1)
  }
  const agent = new Agent({
    config,
    runtime,
    stats,
    policy: config.policy,
  })
  agent.onEvent((event: AgentEvent) => say(`${event.kind}: ${event.message}`))

  let link: VimSession | undefined
  let lb: LocalLoadBalancer | undefined
  // Signals are handled from here on, so that a stop during start-up still cleans up as asked.
  let stopping = false
  const shutdown = async (signal: string, removeReplicas = config.cleanupOnExit) => {
    if (stopping) return
    stopping = true
    say(`${signal}: stopping; ${removeReplicas ? 'removing' : 'leaving'} the containers`)
    // Before anything that waits: the loop, or the link dropping to standalone, must start nothing now.
    agent.beginShutdown()
    await lb?.close()
    await link?.close()
    await agent.stop({ removeReplicas })
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  // "Stop, and leave the containers for the next start to adopt", whatever --cleanup-on-exit says: how the
  // VIM stops a lab agent when the user chose to keep the lab's containers after the agent started.
  process.on('SIGUSR2', () => void shutdown('SIGUSR2', false))

  try {
    await agent.start()
  } catch (error) {
    await agent.stop().catch(() => {})
    fail((error as Error).message, 1)
  }

  if (stopping) return
  const status = () => agentStatus(agent, link?.describe() ?? 'standalone')
  // The front proxy runs in the VIM, so the VIM's address (as the hub connection sees it) is trusted to
  // say who the client was; so are the proxies the operator lists.
  const trustedWith = (vim: string | undefined) => {
    const parsed = TrustedProxies.parse(vim ? [...config.trustedProxies, vim] : config.trustedProxies)
    return parsed.ok ? parsed.trusted : TrustedProxies.none()
  }
  let trusted = { vim: undefined as string | undefined, proxies: trustedWith(undefined) }
  const trustedProxies = () => {
    const vim = link?.vimAddress()
    if (vim !== trusted.vim) trusted = { vim, proxies: trustedWith(vim) }
    return trusted.proxies
  }
  try {
    lb = await startAgentDataPlane(
      agent,
      status,
      config.lbHost,
      config.lbPort,
      { token: config.token, trustedProxies },
      say,
    )
  } catch (error) {
    await agent.stop()
    const code = (error as NodeJS.ErrnoException).code
    fail(
      code === 'EADDRINUSE'
        ? `port ${config.lbPort} on ${config.lbHost} is in use: pass --lb-port N (0 picks a free port); containers keep running`
        : `cannot start the load balancer on ${config.lbHost}:${config.lbPort}: ${(error as Error).message}`,
      1,
    )
  }
  say(
    `vmm-agent ${config.name} ${AGENT_VERSION}: load balancer on http://${config.lbHost}:${lb.port}/ ` +
      `(${config.runtime} runtime, capacity ${config.capacity}, ${config.vim ? `VIM ${config.vim}` : 'standalone'})`,
  )
  if (config.vim && config.token && identity) {
    try {
      link = connectToVim(
        agent,
        { ...config, vim: config.vim, token: config.token },
        identity,
        AGENT_VERSION,
        lb.port,
        status,
        say,
        ({ containerId, ...query }) => {
          if (containerId === undefined) return Promise.resolve(ownLog.read(query))
          if (!runtime.logs)
            return Promise.reject(
              new Error(`the ${config.runtime} runtime keeps no container output to read`),
            )
          return runtime.logs(containerId, query)
        },
      )
    } catch (error) {
      // A link configuration a person must fix; the containers keep serving meanwhile.
      say(`error: cannot connect to the VIM: ${(error as Error).message}; running standalone`)
    }
  }
}

await main()
