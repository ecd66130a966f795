// Assembles the VIM core — settings, cluster state, agent hub, front proxy, autoscaler, VM providers
// and the control API — independent of any window or transport.
import { join } from 'node:path'
import { version } from '../../package.json'
import type { ControlApi } from '../shared/api/contract'
import { VimSettings } from '../shared/domain/settings'
import { errorMessage } from '../shared/issues'
import { TrustedProxies } from '../shared/proxy/forwarding'
import { createControlApi } from './api/control-api'
import type { FeedSources } from './api/event-feed'
import { AgentMembership } from './cluster/agent-membership'
import { ClusterStore } from './cluster/cluster-store'
import { EventLog } from './cluster/event-log'
import { SettingsStore } from './cluster/settings-store'
import { ClusterSeries } from './cluster/time-series'
import type { VimOptions } from './config/cli'
import { loadOrCreateClusterId } from './config/cluster-id'
import { loadOrCreateJoinToken } from './config/join-token'
import { labInEffect } from './config/lab-in-effect'
import { interfaceAddresses } from './config/listen-address'
import { enforcePrivateModes } from './config/private-file'
import { containerSize, exportCluster } from './export/cluster-export'
import { AgentHub } from './hub/agent-hub'
import { AgentKeys } from './hub/agent-keys'
import { loadOrCreateHubCertificate } from './hub/certificate'
import { hubJoinUrls } from './hub/join-urls'
import { log } from './log'
import { VimMetrics } from './metrics/prometheus'
import { prepareLabAgentKey } from './providers/lab/lab-keys'
import { LabProvider } from './providers/lab/lab-provider'
import type { VmProvider } from './providers/provider'
import { keyFileSecretBox, type SecretBox } from './providers/ssh/secret-box'
import { SshHostProvider } from './providers/ssh/ssh-host-provider'
import { openSwarmMode } from './providers/swarm/swarm-mode'
import { VirtualBoxMembers } from './providers/virtualbox/virtualbox-members'
import { DeployService } from './provision/deploy-service'
import { createFrontDataPlane } from './proxy/front-data-plane'
import { followCluster } from './proxy/rotation'
import { recordVmHealth } from './proxy/vm-health'
import { ClusterAutoscaler } from './scaler/cluster-autoscaler'
import { VmDepartures } from './scaler/vm-departures'
import { TrafficService } from './traffic/traffic-service'

export interface CoreOptions extends Omit<VimOptions, 'uiPort' | 'dataDir' | 'allowedHosts'> {
  dataDir: string
  /** The bundled agent that lab VMs run and the provisioner uploads (dist/vmm-agent.mjs). */
  agentBundle: string
  /** Seals remembered SSH passwords (the desktop app's keychain); default: a key file in dataDir. */
  secretBox?: SecretBox | undefined
  /** Ports the VIM listens on besides the hub and the front proxy (headless mode's UI); never an agent's. */
  otherOwnPorts?: () => readonly number[]
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

export async function startCore(options: CoreOptions): Promise<Core> {
  const events = new EventLog()
  const metrics = new VimMetrics()
  // Before anything reads a secret: a copy or a restore may have left them readable by others.
  for (const warning of enforcePrivateModes(options.dataDir)) {
    events.append({ kind: 'error', message: warning })
    log.warn(warning)
  }
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
  if (loaded.status === 'repaired') {
    for (const reset of loaded.resets) {
      events.append({ kind: 'settings', message: reset })
      log.warn(reset)
    }
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
    const agentKeys = AgentKeys.load(options.dataDir)
    store.agentKeyOf = (name) => agentKeys.info(name)
    // The VIM's own listening ports, which no agent may point public traffic at.
    const ownPorts = new Set<number>()
    const membership = new AgentMembership({
      store,
      series,
      events,
      metrics,
      settings: () => settings().membership,
      self: () => ({
        localAddresses: localAddresses(),
        reservedPorts: new Set([...ownPorts, ...(options.otherOwnPorts?.() ?? [])]),
      }),
      agentPolicy: (capacity) => agentPolicy(settings(), capacity),
    })
    const hub = new AgentHub({
      host: options.host,
      port: options.hubPort,
      token: joinToken,
      tls: { cert: certificate.cert, key: certificate.key },
      agentKeys,
      welcome: (hello, remoteAddress) => membership.admit(hello, remoteAddress),
    })
    stoppers.push(membership.attach(hub))
    const hubAddress = await listening('hub', '--hub-port', options.hubPort, () => hub.start())
    stoppers.push(() => hub.close())
    ownPorts.add(hubAddress.port)
    const reaper = setInterval(() => membership.forgetGone(), REAP_INTERVAL_MS)
    stoppers.push(() => clearInterval(reaper))

    const { proxy, kind: dataPlane } = createFrontDataPlane(
      options.dataPlane ?? settings().proxy.dataPlane,
      {
        host: options.host,
        port: options.proxyPort,
        algorithm: settings().balancer,
        trustedProxies: trustedProxies(settings()),
        limits: settings().proxy,
        onResponse: (vm, status, seconds) => metrics.recordRequest(vm, status, seconds),
        health: settings().proxy.health,
        onHealthChange: recordVmHealth(store, events),
      },
      options.dataDir,
      log,
    )
    const proxyPort = await listening('front proxy', '--proxy-port', options.proxyPort, () => proxy.start())
    ownPorts.add(proxyPort)
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
    const lab = labInEffect(options, settings().lab, clusterId)
    let labProvider: LabProvider | undefined
    if (lab.vms > 0) {
      labProvider = await LabProvider.open({
        agentBundle: options.agentBundle,
        cluster: clusterId,
        namePrefix: lab.namePrefix,
        hubUrl: hubAddress.url,
        joinToken,
        caFingerprint: certificate.fingerprint,
        agentKeyFile: (vm) => prepareLabAgentKey(options.dataDir, vm, agentKeys),
        runtime: lab.runtime,
        initialVms: lab.vms,
        keepContainers: settings().lab.keepContainers,
        dataPlane,
        ownedElsewhere: (name) => ownedByAnotherProvider(store, name),
        log: providerLog,
        onAgentExit: (exit) => events.append({ kind: 'vm', vmId: exit.vm, message: exit.reason }),
      })
      providers.push(labProvider)
      stoppers.push(() => labProvider?.close())
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
      pinAgentKey: (vmName, publicKey) => agentKeys.pin(vmName, publicKey, 'deployed'),
      log: (text) => log.debug(text),
    })
    stoppers.push(() => deployer.close())
    const secretBox = options.secretBox ?? keyFileSecretBox(options.dataDir)
    if (secretBox.problem) {
      events.append({ kind: 'error', message: secretBox.problem })
      log.error(secretBox.problem)
    }
    const { provider: sshHosts, warning } = await SshHostProvider.open({
      dataDir: options.dataDir,
      secretBox,
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
        void deployer.start({ id: vm.name, installDocker: false }).catch((error) =>
          events.append({
            kind: 'error',
            vmId: vm.name,
            message: `${vm.name}: agent not deployed: ${errorMessage(error)}`,
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
          store.providerListed(provider.kind, await provider.list())
        } catch (error) {
          log.debug(`${provider.kind} provider: ${errorMessage(error)}`)
        }
      }
    }
    await refreshProviders()
    // Once every provider listed its VMs, so that no other provider's container is taken for the lab's.
    for (const provider of providers) if (provider instanceof LabProvider) await provider.removeLeftovers()
    const providerTimer = setInterval(() => void refreshProviders().catch(() => {}), 1000)
    stoppers.push(() => clearInterval(providerTimer))

    const swarm = openSwarmMode({
      store,
      series,
      events,
      clusterId,
      dataDir: options.dataDir,
      agentBundle: options.agentBundle,
      dataPlane,
      settings: () => settings().scaling,
      taskSize: () => containerSize(membership.sessions().map((session) => session.hello)),
      inFlight: (id) => proxy.pool.snapshot().find((backend) => backend.id === id)?.inFlight ?? 0,
    })
    providers.push(swarm)
    stoppers.push(() => swarm.close())

    const departures = new VmDepartures({
      store,
      events,
      connected: (name) => membership.session(name) !== undefined,
      onCordon: () => autoscaler.planSoon(),
    })
    const autoscaler = new ClusterAutoscaler({
      departures,
      store,
      events,
      metrics,
      settings: () => settings().scaling,
      session: (name) => membership.session(name),
      // Swarm nodes are scaled by the Swarm provider's own loop (one service, Swarm places the tasks).
      providers: () => providers.filter((provider) => provider !== swarm),
      inFlight: (name) => proxy.pool.snapshot().find((backend) => backend.id === name)?.inFlight ?? 0,
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
      hub: {
        url: hubAddress.url,
        joinUrls: hubJoinUrls(
          new URL(hubAddress.url).protocol.replace(':', ''),
          options.host,
          hubAddress.port,
          interfaceAddresses(),
        ),
        fingerprint: certificate.fingerprint,
        joinToken,
        clusterId,
      },
      effective: { dataDir: options.dataDir, lab, dataPlane, proxyUrl, hubUrl: hubAddress.url },
      agentSession: (name) => membership.session(name),
      traffic,
      deploy: deployer,
      agentKeys,
      departures,
      swarm,
      exportKubernetes: () =>
        exportCluster({
          settings: settings(),
          hellos: membership.sessions().map((session) => session.hello),
          clusterId,
          version,
        }),
      onSettingsChanged: (next) => {
        proxy.setAlgorithm(next.balancer)
        proxy.setTrustedProxies(trustedProxies(next))
        proxy.setLimits(next.proxy)
        proxy.setHealthSettings(next.proxy.health)
        autoscaler.resetHistory()
        membership.refreshAddresses()
        labProvider?.setKeepContainers(next.lab.keepContainers)
        for (const session of membership.sessions()) {
          session
            .command('setPolicy', { policy: agentPolicy(next, session.hello.capacity.containers) })
            .catch((error: Error) => log.warn(`${session.vmName}: policy not applied: ${error.message}`))
        }
        events.append({ kind: 'settings', message: 'Scaling policy and balancer settings saved and applied' })
      },
    })
    // Runs first on stop: the front takes no new request and answers those it took while the VMs still serve.
    stoppers.push(() => proxy.stopAccepting())
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

/** How often VMs that nobody knows any more are looked for (membership.forgetAfterSeconds). */
const REAP_INTERVAL_MS = 5000

/** Every address of this machine's interfaces, loopback included, as the hub's peers write them. */
function localAddresses(): Set<string> {
  return new Set(interfaceAddresses().map((entry) => entry.address.toLowerCase().replace(/%.*$/, '')))
}

/** A VM the store knows from a provider other than the lab, or from an agent that joined on its own. */
function ownedByAnotherProvider(store: ClusterStore, name: string): boolean {
  const vm = store.vm(name)
  return vm !== undefined && vm.provider !== 'lab'
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
/** The settings schema has checked every entry; an unreadable one would leave nobody trusted. */
function trustedProxies(settings: VimSettings): TrustedProxies {
  const parsed = TrustedProxies.parse(settings.proxy.trustedProxies)
  return parsed.ok ? parsed.trusted : TrustedProxies.none()
}

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
