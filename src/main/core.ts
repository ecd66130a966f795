// Assembles the VIM core — settings, cluster state, agent hub, front proxy, autoscaler, VM providers
// and the control API — independent of any window or transport.
import { join } from 'node:path'
import { version } from '../../package.json'
import type { ControlApi } from '../shared/api/contract'
import { VimSettings } from '../shared/domain/settings'
import { errorMessage } from '../shared/issues'
import type { HelloMessage } from '../shared/protocol/messages'
import { createControlApi } from './api/control-api'
import type { FeedSources } from './api/event-feed'
import { ClusterStore } from './cluster/cluster-store'
import { EventLog } from './cluster/event-log'
import { recordReport } from './cluster/report-intake'
import { SettingsStore } from './cluster/settings-store'
import { ClusterSeries } from './cluster/time-series'
import type { Runtime, VimOptions } from './config/cli'
import { labNamePrefix, loadOrCreateClusterId } from './config/cluster-id'
import { loadOrCreateJoinToken } from './config/join-token'
import { AgentHub, type AgentSession } from './hub/agent-hub'
import { loadOrCreateHubCertificate } from './hub/certificate'
import { log } from './log'
import { VimMetrics } from './metrics/prometheus'
import { LabProvider } from './providers/lab/lab-provider'
import type { VmProvider } from './providers/provider'
import { keyFileSecretBox, type SecretBox } from './providers/ssh/secret-box'
import { SshHostProvider } from './providers/ssh/ssh-host-provider'
import { VirtualBoxMembers } from './providers/virtualbox/virtualbox-members'
import { DeployService } from './provision/deploy-service'
import { FrontProxy } from './proxy/front-proxy'
import { followCluster } from './proxy/rotation'
import { ClusterAutoscaler } from './scaler/cluster-autoscaler'
import { TrafficService } from './traffic/traffic-service'

export interface CoreOptions extends Omit<VimOptions, 'uiPort' | 'dataDir'> {
  dataDir: string
  /** The bundled agent that lab VMs run and the provisioner uploads (dist/vmm-agent.mjs). */
  agentBundle: string
  /** Seals remembered SSH passwords (the desktop app's keychain); default: a key file in dataDir. */
  secretBox?: SecretBox | undefined
}

export interface Core {
  readonly api: ControlApi
  readonly store: ClusterStore
  readonly events: EventLog
  readonly metrics: VimMetrics
  readonly feed: FeedSources
  readonly hubUrl: string
  readonly proxyUrl: string
  stop(): Promise<void>
}

/** Lab VMs when the user configured none and gave no --lab: a newcomer sees a scaling cluster at once. */
export const DEFAULT_LAB_VMS = 2

export async function startCore(options: CoreOptions): Promise<Core> {
  const events = new EventLog()
  const metrics = new VimMetrics()
  const settingsStore = new SettingsStore(
    join(options.dataDir, 'settings.json'),
    VimSettings,
    VimSettings.parse({}),
  )
  const loaded = await settingsStore.load()
  if (loaded.status === 'corrupt') {
    events.append({ kind: 'error', message: loaded.message })
    log.warn(loaded.message)
  }
  const settings = () => settingsStore.get()
  const store = new ClusterStore(() => settings().scaling.policy.metricWindowSeconds * 1000)
  const series = new ClusterSeries()
  const stoppers: (() => Promise<void> | void)[] = []
  const stop = async () => {
    for (const stopper of stoppers.splice(0).reverse()) {
      await Promise.resolve(stopper()).catch((error) => log.warn(`shutdown: ${errorMessage(error)}`))
    }
  }

  try {
    const certificate = await loadOrCreateHubCertificate(options.dataDir)
    const joinToken = loadOrCreateJoinToken(options.dataDir)
    const clusterId = loadOrCreateClusterId(options.dataDir)
    const sessions = new Map<string, AgentSession>()
    // A VM the VIM already steers keeps its target; one it meets for the first time (or after a VIM
    // restart) keeps what it runs, so that neither side throws containers away.
    const startingTarget = (hello: HelloMessage) => {
      const known = store.vm(hello.vmName)
      const target =
        known?.agent === null && known.target > 0 ? known.target : Math.max(1, hello.replicas ?? 0)
      return Math.min(target, hello.capacity.containers)
    }
    const hub = new AgentHub({
      host: options.host,
      port: options.hubPort,
      token: joinToken,
      tls: { cert: certificate.cert, key: certificate.key },
      welcome: (hello) => ({
        policy: agentPolicy(settings(), hello.capacity.containers),
        target: startingTarget(hello),
      }),
    })
    hub.on('connected', (session) => {
      sessions.set(session.vmName, session)
      const known = store.vm(session.vmName)
      store.agentConnected({
        name: session.vmName,
        provider: known?.provider ?? 'ssh',
        capacity: session.hello.capacity.containers,
        address: `${session.lbAddress}:${session.lbPort}`,
        version: session.hello.agentVersion,
        runtime: session.hello.runtime,
        connectedAt: session.connectedAt,
        target: startingTarget(session.hello),
      })
      metrics.setAgentSessions(sessions.size)
      events.append({
        kind: 'agent',
        vmId: session.vmName,
        message: `${session.vmName}: agent ${session.hello.agentVersion} connected from ${session.remoteAddress}`,
      })
    })
    hub.on('report', (session, report) =>
      recordReport({ store, series, metrics }, session.vmName, report, Date.now()),
    )
    hub.on('event', (session, event) => {
      if (event.kind === 'scaling-decision') return // the VIM decides; the agent's own view is in its reports
      events.append({
        kind: event.kind === 'error' || event.kind === 'warning' ? 'error' : 'container',
        vmId: session.vmName,
        message: `${session.vmName}: ${event.message}`,
        at: event.at,
        ...(event.containerId && { containerId: event.containerId }),
      })
    })
    hub.on('disconnected', (session, end) => {
      if (sessions.get(session.vmName) === session) sessions.delete(session.vmName)
      if (!sessions.has(session.vmName)) store.agentDisconnected(session.vmName)
      metrics.setAgentSessions(sessions.size)
      events.append({
        kind: 'agent',
        vmId: session.vmName,
        message: `${session.vmName}: agent disconnected (${end.reason})`,
      })
    })
    hub.on('rejected', (remote, rejection) => {
      events.append({ kind: 'agent', message: `Refused an agent from ${remote}: ${rejection.reason}` })
    })
    const hubAddress = await listening('hub', '--hub-port', options.hubPort, () => hub.start())
    stoppers.push(() => hub.close())

    const proxy = new FrontProxy({
      host: options.host,
      port: options.proxyPort,
      algorithm: settings().balancer,
      onResponse: (vm, status, seconds) => metrics.recordRequest(vm, status, seconds),
    })
    const proxyPort = await listening('front proxy', '--proxy-port', options.proxyPort, () => proxy.start())
    stoppers.push(() => proxy.close())
    const proxyUrl = `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${proxyPort}`
    store.proxyUrl = proxyUrl
    stoppers.push(followCluster(store, proxy, (n) => metrics.setBackendsInRotation(n)))

    // The "Generate traffic" button: aimed at the front proxy, which is always an allowed target.
    const traffic = new TrafficService({
      proxyUrl: () => proxyUrl,
      onRunEvent: (message) => events.append({ kind: 'proxy', message }),
    })
    stoppers.push(() => traffic.close())

    const providers: VmProvider[] = []
    // What providers say goes to the VIM's log; warnings and errors also to the event log.
    const providerLog = (entry: {
      text: string
      vm?: string | undefined
      level: 'info' | 'warn' | 'error'
    }) => {
      if (entry.level !== 'info')
        events.append({ kind: 'provider', message: entry.text, ...(entry.vm && { vmId: entry.vm }) })
      log[entry.level === 'error' ? 'warn' : 'debug'](entry.text)
    }
    const labVms = options.lab ?? DEFAULT_LAB_VMS
    if (labVms > 0) {
      const lab = await LabProvider.open({
        agentBundle: options.agentBundle,
        cluster: clusterId,
        namePrefix: labNamePrefix(options.labPrefix, settings().lab.namePrefix, clusterId),
        hubUrl: hubAddress.url,
        joinToken,
        caFingerprint: certificate.fingerprint,
        runtime: options.runtime as Runtime,
        initialVms: labVms,
        keepContainers: settings().lab.keepContainers,
        log: providerLog,
        onAgentExit: (exit) => events.append({ kind: 'vm', vmId: exit.vm, message: exit.reason }),
      })
      providers.push(lab)
      stoppers.push(() => lab.close())
    }
    const deployer = new DeployService({
      dataDir: options.dataDir,
      agentBundle: options.agentBundle,
      agentVersion: version,
      hub: () => ({
        port: hubAddress.port,
        boundHost: options.host,
        fingerprint: certificate.fingerprint,
        joinToken,
        clusterId,
      }),
      agentDefaults: () => DEPLOYED_CONTAINER,
      resolveTarget: (id) => sshHosts.target(id) ?? virtualbox.members?.target(id),
      waitForAgent: (vmName, { timeoutMs, signal }) => nextHello(hub, vmName, timeoutMs, signal),
      log: (text) => log.debug(text),
    })
    stoppers.push(() => deployer.close())
    const { provider: sshHosts, warning } = await SshHostProvider.open({
      dataDir: options.dataDir,
      secretBox: options.secretBox ?? keyFileSecretBox(options.dataDir),
      nameTaken: (name) => store.vm(name) !== undefined,
      hostKey: (address, port) => deployer.hostKeyFingerprint(address, port),
    })
    if (warning) events.append({ kind: 'error', message: warning })
    providers.push(sshHosts)
    stoppers.push(() => sshHosts.close())
    const virtualbox = await VirtualBoxMembers.open({
      dataDir: options.dataDir,
      // A clone the autoscaler asked for gets its agent at once, with the login in virtualbox.json.
      onCreated: (vm) =>
        void deployer.start({ id: vm.id, installDocker: false }).catch((error) =>
          events.append({
            kind: 'error',
            vmId: vm.id,
            message: `${vm.id}: agent not deployed: ${errorMessage(error)}`,
          }),
        ),
      log: providerLog,
    })
    if (virtualbox.problem) events.append({ kind: 'error', message: virtualbox.problem })
    if (virtualbox.members) {
      providers.push(virtualbox.members)
      stoppers.push(() => virtualbox.members?.close())
    }
    // One provider that cannot answer (VBoxManage hanging, say) must not hide the others' VMs.
    const refreshProviders = async () => {
      for (const provider of providers) {
        try {
          for (const vm of await provider.list()) store.providerVm(vm)
        } catch (error) {
          log.debug(`${provider.kind} provider: ${errorMessage(error)}`)
        }
      }
    }
    await refreshProviders()
    const providerTimer = setInterval(() => void refreshProviders().catch(() => {}), 1000)
    stoppers.push(() => clearInterval(providerTimer))

    const autoscaler = new ClusterAutoscaler({
      store,
      events,
      metrics,
      settings: () => settings().scaling,
      session: (name) => sessions.get(name),
      providers: () => providers,
    })
    autoscaler.start()
    stoppers.push(() => autoscaler.stop())

    const api = createControlApi({
      store,
      version,
      startedAt: Date.now(),
      events,
      series,
      settings: settingsStore,
      proxy,
      providers: () => providers,
      hub: { url: hubAddress.url, fingerprint: certificate.fingerprint, joinToken, clusterId },
      traffic,
      deploy: deployer,
      onSettingsChanged: (next) => {
        proxy.setAlgorithm(next.balancer)
        autoscaler.resetHistory()
        for (const session of sessions.values()) {
          session
            .command('setPolicy', { policy: agentPolicy(next, session.hello.capacity.containers) })
            .catch((error: Error) => log.warn(`${session.vmName}: policy not applied: ${error.message}`))
        }
        events.append({ kind: 'settings', message: 'Scaling policy and balancer settings saved and applied' })
      },
    })
    events.append({
      kind: 'vm',
      message: `VIM ${version} started: hub ${hubAddress.url}, front proxy ${proxyUrl}`,
    })
    return {
      api,
      store,
      events,
      metrics,
      feed: { store, events, traffic, deploy: deployer },
      hubUrl: hubAddress.url,
      proxyUrl,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Containers of agents deployed over SSH: the agent's own defaults (one user ≈ half of one). */
const DEPLOYED_CONTAINER = { cpusPerContainer: 0.5, memoryPerContainer: '256m' }

/** Resolves on the first hello from `vmName` after the call (not an agent already connected). */
function nextHello(hub: AgentHub, vmName: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (outcome: () => void) => {
      clearTimeout(timer)
      unsubscribe()
      signal.removeEventListener('abort', aborted)
      outcome()
    }
    const unsubscribe = hub.on('connected', (session) => {
      if (session.vmName === vmName) finish(resolve)
    })
    const timer = setTimeout(
      () =>
        finish(() => reject(new Error(`no hello from ${vmName} within ${Math.round(timeoutMs / 1000)} s`))),
      timeoutMs,
    )
    const aborted = () => finish(() => reject(signal.reason ?? new Error('cancelled')))
    signal.addEventListener('abort', aborted)
  })
}

/** The policy an agent uses when it must decide alone: the cluster's, bounded by the VM's capacity. */
function agentPolicy(settings: VimSettings, capacity: number) {
  const policy = settings.scaling.policy
  return { ...policy, minReplicas: Math.min(policy.minReplicas, capacity), maxReplicas: capacity }
}

/** Starts a listener and turns "port in use" into what to do about it. */
async function listening<T>(what: string, flag: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `The ${what} port ${port} is in use: stop the other program or pass ${flag} N (0 picks a free port).`,
      )
    }
    throw error
  }
}
