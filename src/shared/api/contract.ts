// The control API: one map of calls and events, the single contract between the core and every UI.
// The core implements it once; Electron IPC and HTTP/WebSocket only carry it.
import { z } from 'zod'
import { BackendStats } from '../balancer/backend-stats'
import { ClusterSnapshot, VmInfo } from '../domain/cluster'
import { ClusterDelta } from '../domain/cluster-delta'
import { ClusterEvent, EventList, EventQuery } from '../domain/events'
import {
  AddSshHostInput,
  AddVirtualBoxVmInput,
  DeployLogLine,
  DeployProgress,
  DeployStartInput,
  DeployState,
  UninstallInput,
} from '../domain/provision'
import { queryNumber } from '../domain/query-params'
import { LabRuntime, VimSettings, VimSettingsPatch } from '../domain/settings'
import { AddSwarmNodeInput, SwarmStartInput, SwarmStatus } from '../domain/swarm'
import { SeriesQuery, SeriesResponse } from '../domain/time-series'
import { TrafficSnapshot, TrafficStartInput, TrafficStatus } from '../domain/traffic'
import { DataPlaneKind } from '../haproxy/data-plane'
import { LogLine, MAX_LOG_LINES } from '../protocol/messages'

export const API_PREFIX = '/api/v1'

/** Channel names are `domain:verb`; `path` is the HTTP route under API_PREFIX. */
export interface ApiCallSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  readonly path: string
  /** Reachable without the API token (only the liveness probe). */
  readonly public?: boolean
  readonly input: z.ZodType
  readonly output: z.ZodType
  /** Over HTTP, answered as this text field of the output with this content type, unless JSON is asked for. */
  readonly text?: { readonly field: string; readonly contentType: string }
}

const NoInput = z.object({}).strict()

export const Health = z.object({
  ok: z.literal(true),
  version: z.string(),
  uptimeSeconds: z.number().nonnegative(),
})
export type Health = z.infer<typeof Health>

const VmRef = z.object({ id: z.string().min(1, 'id is required') }).strict()
/**
 * Stop or remove a VM. By default a VM whose agent is connected is cordoned first: its replicas move to
 * other VMs, it drains, then it stops (the answer comes at once with `pending: true`). `force: true`
 * stops it at once, dropping what it serves.
 */
export const VmLeaveInput = VmRef.extend({ force: z.boolean().optional() }).strict()
export const VmLeaveOutput = z.object({
  ok: z.literal(true),
  /** True when the VM drains first; the VM shows status 'draining' and `leaving` until it goes. */
  pending: z.boolean().optional(),
  message: z.string().optional(),
})

export const AddVmInput = z
  .discriminatedUnion('provider', [
    z.object({ provider: z.literal('lab') }).strict(),
    AddSshHostInput,
    AddVirtualBoxVmInput,
    AddSwarmNodeInput,
  ])
  .describe(
    'lab: another local lab VM; ssh: a Linux host by address and login; virtualbox: a VM by name; swarm: an SSH host that joins the Swarm',
  )
export type AddVmInput = z.infer<typeof AddVmInput>

export const ProxyStats = z.object({
  /** Where clients send workload traffic. */
  url: z.string().nullable(),
  algorithm: z.string(),
  backends: z.array(BackendStats),
  requestRate: z.number(),
  errorRate: z.number(),
  latencyMsP50: z.number(),
  latencyMsP95: z.number(),
})
export type ProxyStats = z.infer<typeof ProxyStats>

/**
 * How an agent joins: the hub's URL, the certificate fingerprint to pin, the join token, and the cluster id
 * its containers are labelled with (the agent touches no other cluster's containers on a shared Docker).
 */
export const HubInfo = z.object({
  /** Where the hub listens, as this machine dials it. */
  url: z.string(),
  /** URLs agents on other machines can dial; empty when the hub listens on loopback only. */
  joinUrls: z.array(z.string()),
  fingerprint: z.string(),
  joinToken: z.string(),
  clusterId: z.string(),
})
export type HubInfo = z.infer<typeof HubInfo>

const SettingSource = z.enum(['command line', 'settings', 'default'])
export type SettingSource = z.infer<typeof SettingSource>

/**
 * What the running VIM took at its start, for the Settings page: lab and data-plane settings apply at the
 * next start, so these may differ from the saved ones; and where it keeps its files and listens.
 */
export const EffectiveSettings = z.object({
  dataDir: z.string(),
  lab: z.object({
    vms: z.number().int().nonnegative(),
    runtime: LabRuntime,
    /** Lab VM names are `<namePrefix>-1`, … */
    namePrefix: z.string(),
    /** What decided them: a command-line option wins over the saved settings. */
    from: z.object({ vms: SettingSource, runtime: SettingSource }),
  }),
  dataPlane: DataPlaneKind,
  proxyUrl: z.string(),
  hubUrl: z.string(),
})
export type EffectiveSettings = z.infer<typeof EffectiveSettings>

/** A container's recent output (`containerId`), or its VM agent's own log (none), newer than `sinceMs`. */
export const LogsQuery = z
  .object({
    id: z.string().min(1, 'id is required'),
    containerId: z.string().min(1).max(128).optional(),
    tail: queryNumber(
      z.number().int().min(1).max(MAX_LOG_LINES, `tail must be at most ${MAX_LOG_LINES}`),
    ).optional(),
    sinceMs: queryNumber(
      z.number().nonnegative('sinceMs must be a time in milliseconds since the epoch'),
    ).optional(),
  })
  .strict()
export type LogsQuery = z.infer<typeof LogsQuery>
export const LogsAnswer = z.object({ lines: z.array(LogLine) })
export type LogsAnswer = z.infer<typeof LogsAnswer>

/** The cluster's workload and policy as Kubernetes objects: multi-document YAML, and what could not be said. */
export const KubernetesExport = z.object({ yaml: z.string(), notes: z.array(z.string()) })
export type KubernetesExport = z.infer<typeof KubernetesExport>

export const apiCalls = {
  'health:get': { method: 'GET', path: '/health', public: true, input: NoInput, output: Health },
  'cluster:get': { method: 'GET', path: '/cluster', input: NoInput, output: ClusterSnapshot },
  'vms:list': { method: 'GET', path: '/vms', input: NoInput, output: z.array(VmInfo) },
  'vms:add': { method: 'POST', path: '/vms', input: AddVmInput, output: VmInfo },
  'vms:start': {
    method: 'POST',
    path: '/vms/:id/start',
    input: VmRef,
    output: z.object({ ok: z.literal(true) }),
  },
  'vms:stop': {
    method: 'POST',
    path: '/vms/:id/stop',
    input: VmLeaveInput,
    output: VmLeaveOutput,
  },
  'vms:remove': {
    method: 'DELETE',
    path: '/vms/:id',
    input: VmLeaveInput,
    output: VmLeaveOutput,
  },
  'vms:forgetHostKey': {
    method: 'POST',
    path: '/vms/:id/forget-host-key',
    input: VmRef,
    output: z.object({ ok: z.literal(true), forgotten: z.string().nullable() }),
  },
  'vms:forgetAgentKey': {
    method: 'DELETE',
    path: '/vms/:id/agent-key',
    input: VmRef,
    /** The fingerprint of the key that was trusted, or null if none was. */
    output: z.object({ ok: z.literal(true), forgotten: z.string().nullable() }),
  },
  'deploy:start': {
    method: 'POST',
    path: '/vms/:id/deploy',
    input: DeployStartInput,
    output: DeployProgress,
  },
  'deploy:uninstall': {
    method: 'POST',
    path: '/vms/:id/uninstall',
    input: UninstallInput,
    output: DeployProgress,
  },
  'deploy:get': { method: 'GET', path: '/vms/:id/deploy', input: VmRef, output: DeployState },
  'logs:get': { method: 'GET', path: '/vms/:id/logs', input: LogsQuery, output: LogsAnswer },
  'policy:get': { method: 'GET', path: '/policy', input: NoInput, output: VimSettings },
  'policy:set': { method: 'PUT', path: '/policy', input: VimSettingsPatch, output: VimSettings },
  'events:list': { method: 'GET', path: '/events', input: EventQuery, output: EventList },
  'series:get': { method: 'GET', path: '/series', input: SeriesQuery, output: SeriesResponse },
  'proxy:stats': { method: 'GET', path: '/proxy', input: NoInput, output: ProxyStats },
  'settings:effective': {
    method: 'GET',
    path: '/settings/effective',
    input: NoInput,
    output: EffectiveSettings,
  },
  'hub:get': { method: 'GET', path: '/hub', input: NoInput, output: HubInfo },
  'traffic:status': { method: 'GET', path: '/traffic', input: NoInput, output: TrafficStatus },
  'traffic:start': { method: 'POST', path: '/traffic', input: TrafficStartInput, output: TrafficStatus },
  'traffic:stop': { method: 'POST', path: '/traffic/stop', input: NoInput, output: TrafficStatus },
  'swarm:get': { method: 'GET', path: '/swarm', input: NoInput, output: SwarmStatus },
  /** Swarm mode on: a Swarm on the VIM's engine (or the one it manages), the workload as one service. */
  'swarm:start': { method: 'POST', path: '/swarm', input: SwarmStartInput, output: SwarmStatus },
  /** Swarm mode off: the service removed, and a Swarm the VIM made left by every node it joined. */
  'swarm:stop': { method: 'DELETE', path: '/swarm', input: NoInput, output: SwarmStatus },
  'export:kubernetes': {
    method: 'GET',
    path: '/export/kubernetes',
    input: NoInput,
    output: KubernetesExport,
    text: { field: 'yaml', contentType: 'application/yaml; charset=utf-8' },
  },
} as const satisfies Record<string, ApiCallSpec>

export type ApiCallName = keyof typeof apiCalls
export type ApiInput<C extends ApiCallName> = z.input<(typeof apiCalls)[C]['input']>
export type ApiOutput<C extends ApiCallName> = z.output<(typeof apiCalls)[C]['output']>

/** What the core implements once and every transport exposes. */
export type ControlApi = {
  [C in ApiCallName]: (input: z.output<(typeof apiCalls)[C]['input']>) => Promise<ApiOutput<C>>
}

export const apiEvents = {
  /** The whole cluster: on connect, then every 30 s while it changes (throttled with the deltas). */
  'cluster:snapshot': ClusterSnapshot,
  /** What changed since the last snapshot or delta (`since` is its `at`), at most 4 times a second. */
  'cluster:delta': ClusterDelta,
  /** Decision-log entries since the last push (batched with the snapshots). */
  'events:appended': z.array(ClusterEvent),
  /** The running traffic generator, once a second, then its summary (state 'finished'). */
  'traffic:snapshot': TrafficSnapshot,
  /** A deploy, upgrade or uninstall: its steps, on every change. */
  'deploy:progress': DeployProgress,
  /** Lines of a running deploy's output (batched). */
  'deploy:log': z.array(DeployLogLine),
} as const satisfies Record<string, z.ZodType>

export type ApiEventName = keyof typeof apiEvents
export type ApiEvent = {
  [E in ApiEventName]: { name: E; data: z.output<(typeof apiEvents)[E]> }
}[ApiEventName]

export function isApiCallName(value: unknown): value is ApiCallName {
  return typeof value === 'string' && Object.hasOwn(apiCalls, value)
}

/** A failed call, the same over every transport. `code` is machine-readable, `message` is for a person. */
export interface ApiErrorBody {
  code:
    | 'unauthorized'
    | 'forbidden'
    | 'not_found'
    | 'misdirected'
    | 'invalid_input'
    | 'conflict'
    | 'rate_limited'
    | 'unavailable'
    | 'internal'
  message: string
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody }

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

export const httpStatusOf: Record<ApiErrorBody['code'], number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  misdirected: 421,
  invalid_input: 400,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
}
