// The local lab's options as a person sets them, checked once and completed with defaults sized for a
// 2-core machine, so that a mistake is one clear error when the VIM starts rather than N failing agents.
import { byteSize } from '../../../../vmm-agent/config'
import { checkClusterId, STANDALONE_CLUSTER_ID } from '../../../shared/cluster-id'
import type { DataPlaneKind } from '../../../shared/haproxy/data-plane'
import { LAB_PREFIX_PATTERN } from '../../../shared/names'
import { normalizeFingerprint } from '../../../shared/protocol/auth'

export type LabRuntimeRequest = 'auto' | 'docker' | 'process'

export interface LabOptions {
  /** The bundled agent, `dist/vmm-agent.mjs` (see scripts/build-agent.mjs). */
  agentBundle: string
  /** The cluster id the agents label their containers with (default: the standalone agents' own). */
  cluster?: string
  /** The VIM hub, ws:// or wss://. Without it the agents run `--standalone` (no VIM to follow yet). */
  hubUrl?: string
  /** The join token; needed with `hubUrl`. Reaches the agents through their environment only. */
  joinToken?: string
  /** The hub certificate's SHA-256 fingerprint, pinned by the agents (wss:// only). */
  caFingerprint?: string
  /** auto (default): Docker when the engine answers a ping, else plain processes. */
  runtime?: LabRuntimeRequest
  /** The Docker Engine address (default: the VIM's DOCKER_HOST, then the local socket). */
  dockerHost?: string
  /** VMs that exist from the start (default 1). */
  initialVms?: number
  /** Most VMs `create()` makes (default 8). */
  maxVms?: number
  /** Most containers per VM (default 4). */
  capacity?: number
  /** CPU limit of each container in cores (default 0.25). */
  cpusPerContainer?: number
  /** Memory limit of each container, Docker style (default 128m). */
  memoryPerContainer?: string
  /** Leave the containers when an agent stops, to be adopted by its next start (default false). */
  keepContainers?: boolean
  /**
   * VM names are `<prefix>-1` … (default 'lab'). Docker labels containers with the VM name, so two labs
   * sharing one engine (a test next to a running app) need different prefixes.
   */
  namePrefix?: string
  /** Node binary that runs the agents (default: the one running the VIM). */
  nodePath?: string
  /** How long an agent may take to stop (and remove its containers) before SIGKILL (default 20 s). */
  stopTimeoutMs?: number
  /**
   * The key file of each VM's agent, made and pinned by the VIM before the agent starts (see
   * lab-keys.ts), so that no other process can claim a lab VM's name first. Default: the agent's own.
   */
  agentKeyFile?: (vmName: string) => string
  /** The agents' data plane: HAProxy where installed (each agent falls back on its own), else embedded. */
  dataPlane?: DataPlaneKind
}

export interface LabSettings {
  agentBundle: string
  cluster: string
  hub: { url: string; token: string; caFingerprint: string | undefined } | undefined
  runtime: LabRuntimeRequest
  dockerHost: string | undefined
  initialVms: number
  maxVms: number
  capacity: number
  cpusPerContainer: number
  memoryPerContainer: string
  keepContainers: boolean
  namePrefix: string
  nodePath: string
  stopTimeoutMs: number
  /** Set only when the agents run HAProxy. */
  dataPlane?: 'haproxy'
}

/** The most VMs a lab can ever have: VM names end in `-1` … `-64`. */
export const LAB_VMS_LIMIT = 64

export const LAB_DEFAULTS = {
  runtime: 'auto',
  initialVms: 1,
  maxVms: 8,
  capacity: 4,
  cpusPerContainer: 0.25,
  memoryPerContainer: '128m',
  keepContainers: false,
  namePrefix: 'lab',
  stopTimeoutMs: 20_000,
} as const

/** The options checked and completed. Throws an Error that says which option to fix and how. */
export function resolveLabSettings(
  options: LabOptions,
  env: NodeJS.ProcessEnv = process.env,
  nodePath = process.execPath,
): LabSettings {
  if (!options.agentBundle)
    throw new Error('lab: the agent bundle path is empty (build it: npm run build:agent)')
  const runtime = options.runtime ?? LAB_DEFAULTS.runtime
  if (!['auto', 'docker', 'process'].includes(runtime))
    throw new Error(`lab: runtime must be auto, docker or process, not '${runtime}'`)
  const maxVms = whole('maxVms', options.maxVms ?? LAB_DEFAULTS.maxVms, 1, LAB_VMS_LIMIT)
  const namePrefix = options.namePrefix ?? LAB_DEFAULTS.namePrefix
  // The agent's own rule for --name, leaving room for "-64".
  if (!LAB_PREFIX_PATTERN.test(namePrefix))
    throw new Error(`lab: namePrefix '${namePrefix}' must be letters, digits, '.', '_' or '-' (at most 59)`)
  const memoryPerContainer = options.memoryPerContainer ?? LAB_DEFAULTS.memoryPerContainer
  byteSize('lab: memoryPerContainer', memoryPerContainer)
  const cpusPerContainer = options.cpusPerContainer ?? LAB_DEFAULTS.cpusPerContainer
  if (!(cpusPerContainer >= 0.01 && cpusPerContainer <= 64))
    throw new Error(`lab: cpusPerContainer must be from 0.01 to 64 cores, not ${cpusPerContainer}`)
  const cluster = options.cluster ?? STANDALONE_CLUSTER_ID
  const clusterProblem = checkClusterId(cluster)
  if (clusterProblem) throw new Error(`lab: ${clusterProblem}`)
  return {
    agentBundle: options.agentBundle,
    cluster,
    hub: resolveHub(options),
    runtime,
    // The agent ignores DOCKER_HOST (its --docker-host has a default), so the VIM's is passed on explicitly.
    dockerHost: options.dockerHost || env.DOCKER_HOST || undefined,
    initialVms: whole('initialVms', options.initialVms ?? LAB_DEFAULTS.initialVms, 0, maxVms),
    maxVms,
    capacity: whole('capacity', options.capacity ?? LAB_DEFAULTS.capacity, 1, 256),
    cpusPerContainer,
    memoryPerContainer,
    keepContainers: options.keepContainers ?? LAB_DEFAULTS.keepContainers,
    namePrefix,
    nodePath: options.nodePath ?? nodePath,
    stopTimeoutMs: whole('stopTimeoutMs', options.stopTimeoutMs ?? LAB_DEFAULTS.stopTimeoutMs, 100, 600_000),
    ...(options.dataPlane === 'haproxy' ? { dataPlane: 'haproxy' as const } : {}),
  }
}

function resolveHub(options: LabOptions): LabSettings['hub'] {
  const url = options.hubUrl?.trim()
  if (!url) return undefined
  if (!/^wss?:\/\/[^/\s]+/.test(url))
    throw new Error(`lab: the hub URL must look like ws://HOST:PORT or wss://HOST:PORT, not '${url}'`)
  if (!options.joinToken) throw new Error(`lab: the agents need the join token to join the hub at ${url}`)
  const caFingerprint = options.caFingerprint?.trim() || undefined
  if (caFingerprint !== undefined) {
    // The agent refuses these at startup; refusing them here gives one error instead of one per VM.
    if (normalizeFingerprint(caFingerprint) === undefined)
      throw new Error(`lab: the hub certificate fingerprint '${caFingerprint}' is not a SHA-256 fingerprint`)
    if (!url.startsWith('wss://'))
      throw new Error('lab: a certificate fingerprint pins TLS, so the hub URL must start with wss://')
  }
  return { url, token: options.joinToken, caFingerprint }
}

function whole(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`lab: ${name} must be a whole number from ${min} to ${max}, not ${value}`)
  return value
}
