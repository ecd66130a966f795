// The agent's configuration: command-line flags, then ACS_AGENT_* environment variables, then a JSON
// config file (--config), then defaults. One table describes every option, so --help, parsing and
// validation cannot drift apart.

import { readFileSync } from 'node:fs'
import { availableParallelism, homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { BalancerSettings, DEFAULT_BALANCER_SETTINGS } from '../src/shared/balancer'
import { wholeNumber } from '../src/shared/cli-values'
import { checkClusterId, STANDALONE_CLUSTER_ID } from '../src/shared/cluster-id'
import { DATA_PLANES, type DataPlaneKind } from '../src/shared/haproxy/data-plane'
import { VM_NAME_PATTERN } from '../src/shared/names'
import { parseScalingPolicy, type ScalingPolicy } from '../src/shared/policy'
import { TrustedProxies } from '../src/shared/proxy/forwarding'

export interface AgentConfig {
  name: string
  /** The cluster this VM belongs to; only containers labelled with it (and this VM) are this agent's. */
  cluster: string
  vim: string | undefined
  token: string | undefined
  caFingerprint: string | undefined
  /** This agent's own key (made on first start, 0600); the VIM pins it for this VM name. */
  keyFile: string
  capacity: number
  cpusPerContainer: number
  /** The CFS period the CPU limit is enforced over, in ms; undefined = Docker's (100 ms). */
  cpuPeriodMs: number | undefined
  memoryPerContainerBytes: number
  /** CPU ms each `GET /` of the built-in workload costs; undefined = the workload's own default. */
  requestCpuMs: number | undefined
  runtime: 'docker' | 'process'
  dockerHost: string
  image: string | undefined
  lbHost: string
  lbPort: number
  /** Proxies besides the VIM whose X-Forwarded-* headers the load balancer keeps (addresses, CIDRs). */
  trustedProxies: string[]
  network: 'bridge' | 'host'
  standalone: boolean
  minReplicas: number
  cleanupOnExit: boolean
  /** Seconds between two rounds of the control loop (measure, decide when due, converge). */
  loopIntervalSeconds: number
  /** Overrides of the scaling policy used while the agent decides alone (the VIM sends its own). */
  policy: ScalingPolicy
  /** The local load balancer's settings (algorithm, ejection, slow start). */
  balancer: BalancerSettings
  /** Who forwards requests on --lb-port: the embedded Node proxy, or HAProxy where it is installed. */
  dataPlane: DataPlaneKind
}

type Kind = 'string' | 'boolean'
interface OptionSpec {
  key: keyof AgentConfig
  kind: Kind
  arg?: string
  help: string
}

/** How long a leaving replica may finish its requests before it is removed anyway. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000

const OPTIONS: Record<string, OptionSpec> = {
  name: { key: 'name', kind: 'string', arg: 'NAME', help: "this VM's name in the cluster (required)" },
  cluster: {
    key: 'cluster',
    kind: 'string',
    arg: 'ID',
    help: `cluster id from the VIM (default '${STANDALONE_CLUSTER_ID}'); only its containers are touched`,
  },
  vim: { key: 'vim', kind: 'string', arg: 'URL', help: 'the VIM hub, ws://HOST:PORT or wss://HOST:PORT' },
  token: {
    key: 'token',
    kind: 'string',
    arg: 'TOKEN',
    help: 'join token shared with the VIM (needed with --vim)',
  },
  'ca-fingerprint': {
    key: 'caFingerprint',
    kind: 'string',
    arg: 'SHA256',
    help: "pin the VIM's TLS certificate (wss://)",
  },
  'key-file': {
    key: 'keyFile',
    kind: 'string',
    arg: 'PATH',
    help: "this agent's key, made on first start (default: agent.key beside --config, else ~/.local/state/acs-vmm-agent/NAME.key)",
  },
  capacity: {
    key: 'capacity',
    kind: 'string',
    arg: 'N',
    help: 'most containers this VM runs (default: cores ÷ cpus per container)',
  },
  'cpus-per-container': {
    key: 'cpusPerContainer',
    kind: 'string',
    arg: 'CPUS',
    help: 'CPU limit of each container (default 0.5)',
  },
  'cpu-period-ms': {
    key: 'cpuPeriodMs',
    kind: 'string',
    arg: 'MS',
    help: "CFS period of the CPU limit, 1 to 1000 (default Docker's 100); Docker runtime only",
  },
  'memory-per-container': {
    key: 'memoryPerContainerBytes',
    kind: 'string',
    arg: 'SIZE',
    help: 'memory limit of each container, e.g. 256m, 1g (default 256m)',
  },
  runtime: {
    key: 'runtime',
    kind: 'string',
    arg: 'R',
    help: 'docker (default) or process (no isolation, for machines without Docker)',
  },
  'docker-host': {
    key: 'dockerHost',
    kind: 'string',
    arg: 'URL',
    help: 'Docker Engine address (default unix:///var/run/docker.sock)',
  },
  image: {
    key: 'image',
    kind: 'string',
    arg: 'IMAGE',
    help: 'run this local image instead of the built-in workload (must listen on $PORT, answer /healthz)',
  },
  'request-cpu-ms': {
    key: 'requestCpuMs',
    kind: 'string',
    arg: 'MS',
    help: 'CPU milliseconds each GET / of the built-in workload costs (default 20)',
  },
  'lb-host': {
    key: 'lbHost',
    kind: 'string',
    arg: 'ADDR',
    help: 'address of the local load balancer (default 0.0.0.0)',
  },
  'lb-port': {
    key: 'lbPort',
    kind: 'string',
    arg: 'N',
    help: 'port of the local load balancer (default 8000; 0 picks a free port)',
  },
  'trusted-proxies': {
    key: 'trustedProxies',
    kind: 'string',
    arg: 'LIST',
    help: "more proxies whose X-Forwarded-* headers count, e.g. 10.0.0.5,fd00::/8 (the VIM's always do)",
  },
  network: {
    key: 'network',
    kind: 'string',
    arg: 'MODE',
    help: 'bridge (ports published on 127.0.0.1, default) or host',
  },
  standalone: {
    key: 'standalone',
    kind: 'boolean',
    help: "never contact a VIM; scale on this VM's own measurements",
  },
  'min-replicas': {
    key: 'minReplicas',
    kind: 'string',
    arg: 'N',
    help: 'fewest containers to keep when scaling on its own (default 1)',
  },
  policy: {
    key: 'policy',
    kind: 'string',
    arg: 'JSON',
    help: 'scaling policy overrides, e.g. {"targetUtilization":0.5,"scaleDown":{"stabilizationSeconds":30}}',
  },
  'loop-interval': {
    key: 'loopIntervalSeconds',
    kind: 'string',
    arg: 'SECONDS',
    help: 'seconds between control-loop rounds: measure, decide when due, converge (default 1)',
  },
  balancer: {
    key: 'balancer',
    kind: 'string',
    arg: 'JSON',
    help: 'load balancer overrides, e.g. {"algorithm":"round-robin","slowStartMs":5000}',
  },
  'data-plane': {
    key: 'dataPlane',
    kind: 'string',
    arg: 'PLANE',
    help: 'embedded (default) or haproxy: HAProxy forwards on --lb-port, where it is installed',
  },
  'cleanup-on-exit': {
    key: 'cleanupOnExit',
    kind: 'boolean',
    help: 'remove the containers on exit (default: leave them, adopted on restart)',
  },
}

export const AGENT_USAGE = `Usage: vmm-agent --name NAME [options]

${Object.entries(OPTIONS)
  .map(([flag, spec]) => `  --${`${flag}${spec.arg ? ` ${spec.arg}` : ''}`.padEnd(28)}${spec.help}`)
  .join('\n')}
  --${'config FILE'.padEnd(28)}read options from a JSON file (keys as flags, e.g. {"lb-port": 8000})
  -h, --help                    show this help

Every option can also be set in the environment as ACS_AGENT_<OPTION>, e.g. ACS_AGENT_LB_PORT=8000.
Precedence: flags, then environment, then the config file.`

export type ParsedAgentArgs =
  | { kind: 'run'; config: AgentConfig }
  | { kind: 'help' }
  | { kind: 'error'; message: string }

export function parseAgentArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  cores = availableParallelism(),
): ParsedAgentArgs {
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.entries(OPTIONS).map(([flag, spec]) => [flag, { type: spec.kind }])),
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
    if (values.help) return { kind: 'help' }
    const configFile = (values.config as string | undefined) ?? env.ACS_AGENT_CONFIG
    const fromFile = configFile ? readConfigFile(configFile, readFile) : {}
    const raw = (flag: string): string | boolean | undefined => {
      const spec = OPTIONS[flag] as OptionSpec
      const value =
        (values as Record<string, string | boolean | undefined>)[flag] ??
        env[`ACS_AGENT_${flag.toUpperCase().replaceAll('-', '_')}`] ??
        fromFile[flag]
      if (spec.kind === 'boolean' && typeof value === 'string') return value === '1' || value === 'true'
      // A config file may hold the policy as an object rather than a JSON string.
      if (typeof value === 'object' && value !== null) return JSON.stringify(value)
      return value as string | boolean | undefined
    }
    return { kind: 'run', config: validate(raw, cores, defaultKeyFile(configFile, env)) }
  } catch (error) {
    return { kind: 'error', message: (error as Error).message.split('\n')[0] ?? String(error) }
  }
}

function readConfigFile(path: string, readFile: (path: string) => string): Record<string, unknown> {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFile(path))
  } catch (error) {
    throw new Error(`cannot read config file ${path}: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`config file ${path} must hold a JSON object`)
  }
  for (const key of Object.keys(parsed)) {
    if (!(key in OPTIONS)) throw new Error(`config file ${path}: unknown option '${key}'`)
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [key, typeof value === 'number' ? String(value) : value]),
  )
}

/**
 * Where the agent keeps its key unless told: beside its config file (a deployed agent), else in the
 * user's state directory, one file per VM name so that one user may run several agents.
 */
function defaultKeyFile(configFile: string | undefined, env: NodeJS.ProcessEnv): (name: string) => string {
  if (configFile) return () => join(dirname(configFile), 'agent.key')
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state')
  return (name) => join(state, 'acs-vmm-agent', `${name}.key`)
}

function validate(
  raw: (flag: string) => string | boolean | undefined,
  cores: number,
  keyFileFor: (name: string) => string,
): AgentConfig {
  const text = (flag: string) => {
    const value = raw(flag)
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
  const name = text('name')
  if (!name) throw new Error("--name is required (this VM's name in the cluster)")
  if (!VM_NAME_PATTERN.test(name)) {
    throw new Error(
      `--name '${name}' must be letters, digits, '.', '_' or '-' (at most 63), starting with a letter or digit`,
    )
  }
  const cluster = text('cluster') ?? STANDALONE_CLUSTER_ID
  const clusterProblem = checkClusterId(cluster)
  if (clusterProblem) throw new Error(`--cluster: ${clusterProblem}`)
  const standalone = raw('standalone') === true
  const vim = text('vim')
  const token = text('token')
  if (vim && !standalone) {
    if (!/^wss?:\/\/[^/\s]+/.test(vim))
      throw new Error(`--vim must look like ws://HOST:PORT or wss://HOST:PORT, not '${vim}'`)
    if (!token) throw new Error('--vim needs --token (the join token the VIM printed)')
  }
  const cpusPerContainer = number('--cpus-per-container', text('cpus-per-container') ?? '0.5', 0.01, 64)
  const cpuPeriodText = text('cpu-period-ms')
  const cpuPeriodMs =
    cpuPeriodText === undefined ? undefined : number('--cpu-period-ms', cpuPeriodText, 1, 1000)
  // The kernel enforces no quota below 1 ms per period.
  if (cpuPeriodMs !== undefined && cpusPerContainer * cpuPeriodMs < 1 - 1e-9) {
    throw new Error(
      `--cpu-period-ms ${cpuPeriodMs} gives a ${cpusPerContainer}-CPU container ${cpusPerContainer * cpuPeriodMs} ms ` +
        `of CPU per period, below the kernel's minimum of 1 ms: use a period of at least ${Math.ceil(1 / cpusPerContainer)} ms`,
    )
  }
  const requestCpuText = text('request-cpu-ms')
  const runtime = oneOf('--runtime', text('runtime') ?? 'docker', ['docker', 'process'] as const)
  const network = oneOf('--network', text('network') ?? 'bridge', ['bridge', 'host'] as const)
  const capacityDefault = String(Math.max(1, Math.floor(cores / cpusPerContainer)))
  const capacity = wholeNumber('--capacity', text('capacity') ?? capacityDefault, 1, 256)
  const minReplicas = wholeNumber('--min-replicas', text('min-replicas') ?? '1', 1, capacity)
  return {
    name,
    cluster,
    vim: standalone ? undefined : vim,
    token,
    caFingerprint: text('ca-fingerprint'),
    keyFile: text('key-file') ?? keyFileFor(name),
    capacity,
    cpusPerContainer,
    cpuPeriodMs,
    memoryPerContainerBytes: byteSize('--memory-per-container', text('memory-per-container') ?? '256m'),
    runtime,
    dockerHost: text('docker-host') ?? 'unix:///var/run/docker.sock',
    image: text('image'),
    lbHost: text('lb-host') ?? '0.0.0.0',
    lbPort: wholeNumber('--lb-port', text('lb-port') ?? '8000', 0, 65535),
    trustedProxies: trustedProxyList(text('trusted-proxies')),
    network,
    standalone: standalone || !vim,
    minReplicas,
    requestCpuMs:
      requestCpuText === undefined ? undefined : number('--request-cpu-ms', requestCpuText, 0, 10_000),
    cleanupOnExit: raw('cleanup-on-exit') === true,
    loopIntervalSeconds: number('--loop-interval', text('loop-interval') ?? '1', 0.01, 60),
    policy: policyOverrides(text('policy'), minReplicas, capacity),
    balancer: balancerOverrides(text('balancer')),
    dataPlane: oneOf('--data-plane', text('data-plane') ?? 'embedded', DATA_PLANES),
  }
}

function policyOverrides(json: string | undefined, minReplicas: number, capacity: number): ScalingPolicy {
  let overrides: unknown = {}
  if (json) {
    try {
      overrides = JSON.parse(json)
    } catch {
      throw new Error(`--policy must be JSON, like {"targetUtilization":0.5}`)
    }
  }
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new Error('--policy must be a JSON object')
  }
  const parsed = parseScalingPolicy({ minReplicas, maxReplicas: capacity, ...overrides })
  if (!parsed.ok) throw new Error(`--policy: ${parsed.errors.join('; ')}`)
  return parsed.policy
}

function balancerOverrides(json: string | undefined): BalancerSettings {
  if (!json) return DEFAULT_BALANCER_SETTINGS
  let overrides: unknown
  try {
    overrides = JSON.parse(json)
  } catch {
    throw new Error(`--balancer must be JSON, like {"algorithm":"round-robin"}`)
  }
  const parsed = BalancerSettings.safeParse(overrides)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`--balancer: ${issue?.path.join('.') || 'settings'}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}

function trustedProxyList(list: string | undefined): string[] {
  const entries = (list ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  const parsed = TrustedProxies.parse(entries)
  if (!parsed.ok) throw new Error(`--trusted-proxies: ${parsed.message}`)
  return entries
}

function number(flag: string, value: string, min: number, max: number): number {
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new Error(`${flag} must be a number from ${min} to ${max}, not '${value}'`)
  }
  return parsed
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`${flag} must be ${allowed.join(' or ')}, not '${value}'`)
  return value as T
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }

/** Docker-style sizes: 512m, 1g, 268435456. At least 6 MiB, Docker's own minimum. */
export function byteSize(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)([bkmg]?)$/i.exec(value)
  const bytes = match
    ? Math.round(Number(match[1]) * (UNITS[(match[2] ?? '').toLowerCase()] ?? 1))
    : Number.NaN
  if (!(bytes >= 6 * 2 ** 20))
    throw new Error(`${flag} must be a size of at least 6m, like 256m or 1g, not '${value}'`)
  return bytes
}
