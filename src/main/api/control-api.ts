// The one implementation of the control API; transports (IPC, HTTP) only carry its calls.
import {
  type AddVmInput,
  ApiError,
  type ControlApi,
  type EffectiveSettings,
  type HubInfo,
  type KubernetesExport,
} from '../../shared/api/contract'
import type { VmInfo } from '../../shared/domain/cluster'
import type {
  DeployProgress,
  DeployStartInput,
  DeployState,
  UninstallInput,
} from '../../shared/domain/provision'
import type { VimSettings } from '../../shared/domain/settings'
import type { SwarmStartInput, SwarmStatus } from '../../shared/domain/swarm'
import {
  type SeriesQuery,
  type SeriesResponse,
  VM_METRICS,
  type VmMetric,
} from '../../shared/domain/time-series'
import { errorMessage } from '../../shared/issues'
import type { ClusterStore } from '../cluster/cluster-store'
import type { EventLog } from '../cluster/event-log'
import type { SettingsStore } from '../cluster/settings-store'
import type { ClusterSeries } from '../cluster/time-series'
import type { AgentKeys } from '../hub/agent-keys'
import type { AgentSession } from '../hub/agent-session'
import type { VmProvider } from '../providers/provider'
import type { FrontDataPlane } from '../proxy/front-plane'
import type { VmDepartures } from '../scaler/vm-departures'
import type { TrafficService } from '../traffic/traffic-service'
import { readLogs } from './logs-api'

export interface ControlApiDeps {
  store: ClusterStore
  version: string
  startedAt: number
  events?: EventLog
  series?: ClusterSeries
  settings?: SettingsStore<typeof VimSettings>
  proxy?: FrontDataPlane
  providers?: () => VmProvider[]
  hub?: HubInfo
  /** What the VIM took at its start (lab, data plane, addresses, data directory). */
  effective?: EffectiveSettings
  traffic?: TrafficService
  deploy?: AgentDeployer
  /** The agent keys the hub trusts per VM name (see hub/agent-keys.ts). */
  agentKeys?: Pick<AgentKeys, 'forget' | 'get'>
  /** Cordons and drains a VM before its stop or remove; without it, both run at once. */
  departures?: Pick<VmDepartures, 'leave' | 'cancel'>
  /** Swarm mode (providers/swarm): switched on and off here, its nodes added through vms:add. */
  swarm?: {
    status(): SwarmStatus
    startMode(input: SwarmStartInput): Promise<SwarmStatus>
    stopMode(): Promise<SwarmStatus>
  }
  /** The cluster as Kubernetes objects (export/cluster-export.ts). */
  exportKubernetes?: () => KubernetesExport
  /** The live agent session of a VM, for what only its agent can answer (logs). */
  agentSession?: (vmName: string) => AgentSession | undefined
  /** Applies saved settings to the running parts (balancer, autoscaler history). */
  onSettingsChanged?: (settings: VimSettings) => void
  now?: () => number
}

const NO_PROVIDER: Record<AddVmInput['provider'], string> = {
  lab: 'The local lab is off (started with --lab 0): restart with --lab N to add lab VMs.',
  ssh: 'SSH hosts cannot be added in this process (no SSH-host provider).',
  virtualbox:
    'VirtualBox is not set up: install VirtualBox so that VBoxManage is on the PATH (or set ACS_VBOXMANAGE), then restart the VIM.',
  swarm: 'Swarm mode is not available in this process.',
}

/** Deploys, upgrades and uninstalls agents over SSH (src/main/provision). */
export interface AgentDeployer {
  /** Starts a deploy (or an upgrade, when an agent is installed); resolves once it runs. */
  start(input: DeployStartInput): Promise<DeployProgress>
  uninstall(input: UninstallInput): Promise<DeployProgress>
  state(id: string): DeployState
  /** Forgets the host key trusted for this VM's address; resolves with its fingerprint, if there was one. */
  forgetHostKey(id: string): Promise<string | null>
}

function emptySeries({ vmId, containerId }: SeriesQuery): SeriesResponse {
  if (containerId !== undefined) {
    return { kind: 'container', vmId, containerId, times: [], series: { cpuPercent: [], memoryBytes: [] } }
  }
  const series = Object.fromEntries(VM_METRICS.map((metric) => [metric, []])) as unknown as Record<
    VmMetric,
    []
  >
  return { kind: 'vm', vmId, times: [], series }
}

export function createControlApi(deps: ControlApiDeps): ControlApi {
  const { store, version, startedAt, now = Date.now } = deps
  const need = <T>(part: T | undefined, what: string): T => {
    if (part === undefined) throw new ApiError('unavailable', `${what} is not running in this process.`)
    return part
  }
  const vmInfo = (id: string): VmInfo => {
    const info = store.snapshot(now()).vms.find((vm) => vm.name === id)
    if (!info) throw new ApiError('not_found', `There is no VM '${id}'. GET /api/v1/vms lists them.`)
    return info
  }
  const ownerOf = async (id: string): Promise<VmProvider> => {
    for (const provider of need(deps.providers, 'No VM provider')()) {
      if ((await provider.list()).some((vm) => vm.name === id)) return provider
    }
    throw new ApiError('not_found', `No provider manages a VM '${id}'.`)
  }

  return {
    'health:get': async () => ({ ok: true, version, uptimeSeconds: Math.max(0, (now() - startedAt) / 1000) }),
    'cluster:get': async () => store.snapshot(now()),
    'vms:list': async () => store.snapshot(now()).vms,
    'vms:add': async (input) => {
      const provider = need(deps.providers, 'No VM provider')().find((p) => p.kind === input.provider)
      const add = provider?.add?.bind(provider) ?? (provider?.create && (() => provider.create?.()))
      if (!add) throw new ApiError('unavailable', NO_PROVIDER[input.provider])
      const vm = await add(input)
      if (!vm) throw new ApiError('internal', `The ${input.provider} provider added no VM.`)
      store.providerVm(vm)
      return vmInfo(vm.name)
    },
    'vms:start': async ({ id }) => {
      const provider = await ownerOf(id)
      if (!provider.capabilities.startStop)
        throw new ApiError('conflict', `${id} cannot be started from here.`)
      await provider.start(id)
      return { ok: true }
    },
    'vms:stop': async ({ id, force }) => {
      const provider = await ownerOf(id)
      if (!provider.capabilities.startStop)
        throw new ApiError('conflict', `${id} cannot be stopped from here.`)
      const go = () => provider.stop(id)
      const waiting = force ? undefined : deps.departures?.leave(id, 'stop', now(), go)
      if (waiting) return { ok: true, pending: true, message: waiting }
      deps.departures?.cancel(id)
      await go()
      return { ok: true, pending: false, message: `${id} stopped` }
    },
    'vms:remove': async ({ id, force }) => {
      vmInfo(id)
      const provider = await ownerOf(id).catch(() => undefined)
      const go = async () => {
        if (provider?.remove) await provider.remove(id)
        else if (provider?.capabilities.startStop) await provider.stop(id)
        store.removeVm(id)
      }
      const waiting = force ? undefined : deps.departures?.leave(id, 'remove', now(), go)
      if (waiting) return { ok: true, pending: true, message: waiting }
      deps.departures?.cancel(id)
      await go()
      return { ok: true, pending: false, message: `${id} removed` }
    },
    'vms:forgetHostKey': async ({ id }) => {
      vmInfo(id)
      return { ok: true, forgotten: await need(deps.deploy, 'Agent deployment').forgetHostKey(id) }
    },
    'vms:forgetAgentKey': async ({ id }) => {
      const keys = need(deps.agentKeys, 'The agent key store')
      // A pin may outlive its VM record (an agent that joined and left), so a pin alone is enough.
      if (!store.vm(id) && !keys.get(id)) throw new ApiError('not_found', `There is no VM '${id}'.`)
      const forgotten = keys.forget(id)
      if (forgotten) {
        deps.events?.append({
          kind: 'vm',
          vmId: id,
          message: `${id}: agent key ${forgotten.fingerprint} forgotten; the next agent to join under this name is trusted`,
        })
        store.touch()
      }
      return { ok: true, forgotten: forgotten?.fingerprint ?? null }
    },
    'deploy:start': async (input) => {
      vmInfo(input.id)
      return need(deps.deploy, 'Agent deployment').start(input)
    },
    'deploy:uninstall': async (input) => {
      vmInfo(input.id)
      return need(deps.deploy, 'Agent deployment').uninstall(input)
    },
    'deploy:get': async ({ id }) => {
      vmInfo(id)
      return need(deps.deploy, 'Agent deployment').state(id)
    },
    'policy:get': async () => need(deps.settings, 'The settings store').get(),
    'swarm:get': async () => need(deps.swarm, 'Swarm mode').status(),
    'swarm:start': async (input) => {
      try {
        return await need(deps.swarm, 'Swarm mode').startMode(input)
      } catch (error) {
        if (error instanceof ApiError) throw error
        throw new ApiError('conflict', `Swarm mode could not start: ${errorMessage(error)}`)
      }
    },
    'swarm:stop': async () => need(deps.swarm, 'Swarm mode').stopMode(),
    'export:kubernetes': async () => need(deps.exportKubernetes, 'The Kubernetes export')(),
    'policy:set': async (patch) => {
      const settings = need(deps.settings, 'The settings store')
      const result = await settings.update(patch as Parameters<typeof settings.update>[0])
      if (!result.ok) {
        throw new ApiError(result.reason === 'invalid' ? 'invalid_input' : 'internal', result.message)
      }
      deps.onSettingsChanged?.(result.settings)
      return result.settings
    },
    'events:list': async (query) => need(deps.events, 'The event log').list(query),
    'series:get': async (query) => {
      const series = need(deps.series, 'The time series').query(query)
      if (series) return series
      if (!store.vm(query.vmId)) throw new ApiError('not_found', `There is no VM '${query.vmId}'.`)
      // A known VM (or container) that has not reported yet has an empty history, not a missing one.
      return emptySeries(query)
    },
    'hub:get': async () => need(deps.hub, 'The agent hub'),
    'settings:effective': async () => need(deps.effective, 'The settings in effect'),
    'logs:get': (query) => readLogs(need(deps.agentSession, 'The agent hub'), query),
    'traffic:status': async () => need(deps.traffic, 'The traffic generator').status(),
    'traffic:start': (input) => need(deps.traffic, 'The traffic generator').start(input),
    'traffic:stop': () => need(deps.traffic, 'The traffic generator').stop(),
    'proxy:stats': async () => {
      const proxy = need(deps.proxy, 'The front proxy')
      return {
        url: store.proxyUrl,
        algorithm: proxy.pool.settings.algorithm,
        backends: proxy.pool.snapshot(),
        ...proxy.traffic(),
      }
    },
  }
}
