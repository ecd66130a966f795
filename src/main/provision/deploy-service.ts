// The agent deployer behind the control API: one operation per VM at a time, each VM's latest operation
// and its log kept in memory, progress reported on every change and log lines in batches.
import { ApiError } from '../../shared/api/contract'
import type {
  DeployLogLine,
  DeployProgress,
  DeployStartInput,
  DeployState,
  UninstallInput,
} from '../../shared/domain/provision'
import { errorMessage } from '../../shared/issues'
import type { AgentDeployer } from '../api/control-api'
import type { DeployFeedEvent } from '../api/event-feed'
import { findResourcesDir } from './agent-files'
import { type HubDetails, runDeploy } from './deploy-operation'
import { DEPLOY_STEPS, UNINSTALL_STEPS } from './deploy-plan'
import { KnownHosts } from './known-hosts'
import { describeNodeBinary, findLocalNodeRuntime } from './node-runtime'
import { OperationRecord } from './operation-record'
import { type DeployTarget, type OperationContext, OperationStopped } from './operation-steps'
import { runUninstall } from './uninstall-operation'

export type { DeployTarget }

export interface DeployServiceOptions {
  /** known_hosts.json lives here. */
  dataDir: string
  /** dist/vmm-agent.mjs */
  agentBundle: string
  agentVersion: string
  hub: () => HubDetails
  agentDefaults: () => { cpusPerContainer: number; memoryPerContainer: string }
  /** From the SSH-host and VirtualBox providers. */
  resolveTarget: (vmId: string) => DeployTarget | undefined
  waitForAgent: (vmName: string, options: { timeoutMs: number; signal: AbortSignal }) => Promise<void>
  /** Trusts the key the deploy installs for this VM name (pinned as `deployed`) before the agent starts. */
  pinAgentKey: (vmName: string, publicKey: string) => void
  /** Overrides the Node binary uploaded to hosts without Node ≥ 18. */
  nodeRuntime?: string
  /** Default 60 s. */
  helloTimeoutMs?: number
  log?: (text: string) => void
  /** Where the unit template and the supervisor script are (default: resources/ found upwards). */
  resourcesDir?: string
  /** Default 20 s. */
  connectTimeoutMs?: number
}

const LOG_BATCH_MS = 200

interface VmOperations {
  record: OperationRecord
  abort?: AbortController
}

export class DeployService implements AgentDeployer {
  private readonly knownHosts: KnownHosts
  private readonly vms = new Map<string, VmOperations>()
  private readonly listeners = new Set<(event: DeployFeedEvent) => void>()
  private readonly running = new Set<Promise<void>>()
  private pendingLog: DeployLogLine[] = []
  private logTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor(private readonly options: DeployServiceOptions) {
    this.knownHosts = new KnownHosts(options.dataDir)
  }

  async start(input: DeployStartInput): Promise<DeployProgress> {
    return this.launch(input.id, 'deploy', input, (ctx) =>
      runDeploy(
        ctx,
        {
          agentBundle: this.options.agentBundle,
          agentVersion: this.options.agentVersion,
          resourcesDir: this.options.resourcesDir ?? findResourcesDir(),
          hub: this.options.hub,
          agentDefaults: this.options.agentDefaults,
          findNodeRuntime: () =>
            findLocalNodeRuntime({
              override: this.options.nodeRuntime,
              env: process.env,
              underElectron: process.versions.electron !== undefined,
              execPath: process.execPath,
              describe: describeNodeBinary,
            }),
          waitForAgent: this.options.waitForAgent,
          pinAgentKey: this.options.pinAgentKey,
          helloTimeoutMs: this.options.helloTimeoutMs ?? 60_000,
        },
        { installDocker: input.installDocker },
      ),
    )
  }

  async uninstall(input: UninstallInput): Promise<DeployProgress> {
    return this.launch(input.id, 'uninstall', input, (ctx) =>
      runUninstall(ctx, {
        removeContainers: input.removeContainers,
        clusterId: this.options.hub().clusterId,
      }),
    )
  }

  state(id: string): DeployState {
    const vm = this.vms.get(id)
    return { progress: vm ? structuredClone(vm.record.progress) : null, log: vm ? [...vm.record.log] : [] }
  }

  async forgetHostKey(id: string): Promise<string | null> {
    const target = this.target(id)
    const forgotten = this.knownHosts.forget(target.login.address, target.login.port)
    if (forgotten) this.options.log?.(`${id}: forgot the host key ${forgotten} of ${target.login.address}`)
    return forgotten
  }

  /** The fingerprint trusted for address:port, for the VMs page (SshHostProvider's hostKey). */
  hostKeyFingerprint(address: string, port: number): string | null {
    try {
      return this.knownHosts.get(address, port)?.fingerprint ?? null
    } catch {
      return null
    }
  }

  subscribe(listener: (event: DeployFeedEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Aborts running operations (their steps fail as cancelled) and waits for them to wind down. */
  async close(): Promise<void> {
    this.closed = true
    for (const vm of this.vms.values()) vm.abort?.abort()
    await Promise.allSettled([...this.running])
    this.flushLog()
  }

  private target(id: string): DeployTarget {
    const target = this.options.resolveTarget(id)
    if (!target) throw new ApiError('not_found', `${id} is not a host the VIM deploys to over SSH`)
    return target
  }

  private async launch(
    id: string,
    operation: 'deploy' | 'uninstall',
    secrets: { password?: string | undefined; passphrase?: string | undefined },
    run: (ctx: OperationContext) => Promise<void>,
  ): Promise<DeployProgress> {
    if (this.closed) throw new ApiError('unavailable', 'The VIM is shutting down')
    const current = this.vms.get(id)
    if (current?.record.running)
      throw new ApiError(
        'conflict',
        `${id}: a ${current.record.progress.operation} is already running; wait for it to finish`,
      )
    const resolved = this.target(id)
    const target: DeployTarget = {
      ...resolved,
      secrets: {
        ...resolved.secrets,
        ...(secrets.password && { password: secrets.password }),
        ...(secrets.passphrase && { passphrase: secrets.passphrase }),
      },
    }
    const { login } = target
    if (login.auth === 'password' && !target.secrets?.password && !login.password)
      throw new ApiError(
        'invalid_input',
        `SSH login as ${login.user}@${login.address} needs a password: enter it and deploy again`,
      )
    const abort = new AbortController()
    const record = new OperationRecord(
      id,
      operation,
      operation === 'deploy' ? DEPLOY_STEPS : UNINSTALL_STEPS,
      {
        progress: (progress) => this.emit({ name: 'deploy:progress', data: progress }),
        log: (line) => this.queueLog(line),
      },
    )
    for (const secret of [target.secrets?.password, target.secrets?.passphrase]) record.redact(secret)
    this.vms.set(id, { record, abort })
    const ctx: OperationContext = {
      record,
      target,
      signal: abort.signal,
      knownHosts: this.knownHosts,
      connectTimeoutMs: this.options.connectTimeoutMs,
    }
    const done = run(ctx)
      .catch((error) => {
        if (error instanceof OperationStopped) return
        // A bug, not a host problem: still end the operation with a message rather than a stuck step.
        const step = record.progress.steps.find((s) => s.state === 'running') ?? record.progress.steps[0]
        if (record.running && step) record.fail(step.id, `Unexpected error: ${errorMessage(error)}`)
      })
      .finally(() => {
        const vm = this.vms.get(id)
        if (vm?.record === record) vm.abort = undefined
        this.running.delete(done)
        this.flushLog()
        const { state, error } = record.progress
        this.options.log?.(`${id}: ${record.progress.operation} ${state}${error ? `: ${error}` : ''}`)
      })
    this.running.add(done)
    return structuredClone(record.progress)
  }

  private emit(event: DeployFeedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // One broken subscriber must not stop a deploy.
      }
    }
  }

  private queueLog(line: DeployLogLine): void {
    this.pendingLog.push(line)
    this.logTimer ??= setTimeout(() => this.flushLog(), LOG_BATCH_MS)
  }

  private flushLog(): void {
    clearTimeout(this.logTimer)
    this.logTimer = undefined
    if (this.pendingLog.length === 0) return
    const lines = this.pendingLog
    this.pendingLog = []
    this.emit({ name: 'deploy:log', data: lines })
  }
}
