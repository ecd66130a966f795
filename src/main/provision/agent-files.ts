// What the deploy writes on a host besides the bundle: the agent's JSON config and the systemd unit,
// rendered by pure functions from the templates in resources/.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { installPaths } from './deploy-plan'

export const SUPERVISOR_FILE = 'agent-supervisor.sh'
export const UNIT_TEMPLATE_FILE = 'acs-agent.service'

/** The repository's (or the packaged app's) resources/ directory, found upwards from this module. */
export function findResourcesDir(start = import.meta.dirname): string {
  let dir = start
  for (;;) {
    if (existsSync(join(dir, 'resources', SUPERVISOR_FILE))) return join(dir, 'resources')
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`resources/${SUPERVISOR_FILE} not found above ${start}`)
    dir = parent
  }
}

export interface AgentConfigInput {
  vmName: string
  /** The VIM's cluster id: the agent labels its containers with it and touches no other cluster's. */
  clusterId: string
  hubUrl: string
  token: string
  caFingerprint: string
  capacity?: number | undefined
  cpusPerContainer: number
  memoryPerContainer: string
  lbPort?: number
}

/** The agent's --config file: keys are its flag names. It holds the join token, so it is written 0600. */
export function renderAgentConfig(input: AgentConfigInput): string {
  const config = {
    name: input.vmName,
    cluster: input.clusterId,
    vim: input.hubUrl,
    token: input.token,
    'ca-fingerprint': input.caFingerprint,
    ...(input.capacity !== undefined && { capacity: input.capacity }),
    'cpus-per-container': input.cpusPerContainer,
    'memory-per-container': input.memoryPerContainer,
    runtime: 'docker',
    // Host networking: the agent's containers listen on host ports it assigns, reachable by its balancer.
    network: 'host',
    'lb-host': '0.0.0.0',
    'lb-port': input.lbPort ?? 8000,
  }
  return `${JSON.stringify(config, null, 2)}\n`
}

/** Characters systemd reads literally in ExecStart and friends (no spaces, quotes, `%` or `$`). */
const UNIT_SAFE = /^[A-Za-z0-9/._@:+-]+$/

export interface UnitInput {
  vmName: string
  dir: string
  node: string
}

export function renderSystemdUnit(template: string, input: UnitInput): string {
  const paths = installPaths(input.dir)
  const values: Record<string, string> = {
    '@VM_NAME@': input.vmName,
    '@NODE@': input.node,
    '@AGENT@': paths.agent,
    '@CONFIG@': paths.config,
    '@DIR@': input.dir,
  }
  for (const [placeholder, value] of Object.entries(values)) {
    if (!UNIT_SAFE.test(value))
      throw new Error(
        `cannot write a systemd unit with ${placeholder.slice(1, -1).toLowerCase().replace('_', ' ')} '${value}': ` +
          'only letters, digits and / . _ @ : + - are allowed there',
      )
  }
  const rendered = template.replace(/@[A-Z_]+@/g, (placeholder) => {
    const value = values[placeholder]
    if (value === undefined) throw new Error(`unknown placeholder ${placeholder} in the unit template`)
    return value
  })
  return rendered
}
