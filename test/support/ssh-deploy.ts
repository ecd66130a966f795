// A DeployService wired for tests against lab hosts: a real agent hub on the lab's gateway (TLS, join
// token) that the deployed agents connect to, targets the test sets per VM, and waits on operations.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AgentHub } from '../../src/main/hub/agent-hub'
import { AgentKeys } from '../../src/main/hub/agent-keys'
import { loadOrCreateHubCertificate } from '../../src/main/hub/certificate'
import {
  DeployService,
  type DeployServiceOptions,
  type DeployTarget,
} from '../../src/main/provision/deploy-service'
import type { DeployState } from '../../src/shared/domain/provision'
import { DEFAULT_POLICY } from '../../src/shared/policy/scaling-policy'
import { waitFor } from './agent-process'
import type { Lab, LabHost, LabUser } from './lab-hosts'
import { TEST_CLUSTER_ID } from './test-cluster'

export const AGENT_BUNDLE = join(import.meta.dirname, '..', '..', 'dist', 'vmm-agent.mjs')

export interface DeployBench {
  service: DeployService
  dataDir: string
  /** The agents' join token: also their credential for /_agent/status from off the VM. */
  joinToken: string
  hub: AgentHub
  /** Sets (or replaces) how the service reaches VM `id`. */
  target(id: string, host: LabHost, user: LabUser, auth?: 'key' | 'password', password?: string): void
  /** The state once the VM's operation is no longer running. */
  finished(id: string, timeoutMs?: number): Promise<DeployState>
  close(): Promise<void>
}

const quietLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

export async function deployBench(
  lab: Lab,
  overrides: Partial<DeployServiceOptions> = {},
): Promise<DeployBench> {
  const dataDir = mkdtempSync(join(tmpdir(), 'acs-deploy-test-'))
  const certificate = await loadOrCreateHubCertificate(dataDir, {
    logger: { info: () => {}, warn: () => {} },
  })
  const joinToken = `test-join-token-${Date.now()}`
  // The VIM's own pins: a deployed agent must join with the key the deploy installed.
  const agentKeys = AgentKeys.load(dataDir)
  const hub = new AgentHub({
    host: lab.gateway,
    port: 0,
    token: joinToken,
    tls: { cert: certificate.cert, key: certificate.key },
    welcome: () => ({ policy: DEFAULT_POLICY, target: 1 }),
    agentKeys,
    logger: quietLogger,
  })
  const { port } = await hub.start()
  const targets = new Map<string, DeployTarget>()
  const service = new DeployService({
    dataDir,
    agentBundle: AGENT_BUNDLE,
    agentVersion: 'test',
    hub: () => ({
      port,
      boundHost: lab.gateway,
      fingerprint: certificate.fingerprint,
      joinToken,
      clusterId: TEST_CLUSTER_ID,
    }),
    agentDefaults: () => ({ cpusPerContainer: 0.25, memoryPerContainer: '128m' }),
    resolveTarget: (id) => targets.get(id),
    waitForAgent: (vmName, { timeoutMs, signal }) => agentHello(hub, vmName, timeoutMs, signal),
    pinAgentKey: (vmName, publicKey) => agentKeys.pin(vmName, publicKey, 'deployed'),
    helloTimeoutMs: 60_000,
    ...overrides,
  })
  return {
    service,
    dataDir,
    hub,
    joinToken,
    target(id, host, user, auth = 'key', password) {
      targets.set(id, {
        vmName: id,
        login: {
          address: host.address,
          port: host.sshPort,
          user: user.user,
          auth,
          ...(auth === 'key' && { keyPath: user.keyFile }),
        },
        ...(password !== undefined && { secrets: { password } }),
        capacity: 2,
      })
    },
    finished: (id, timeoutMs = 180_000) =>
      waitFor(
        `${id}'s operation to finish`,
        async () => {
          const state = service.state(id)
          return state.progress && state.progress.state !== 'running' ? state : undefined
        },
        timeoutMs,
      ),
    async close() {
      await service.close()
      await hub.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Resolves on the next hello of that VM's agent (a session already open is the agent being replaced). */
function agentHello(hub: AgentHub, vmName: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer)
      off()
      signal.removeEventListener('abort', onAbort)
      if (error) reject(error)
      else resolve()
    }
    const off = hub.on('connected', (session) => {
      if (session.vmName === vmName) done()
    })
    const onAbort = () => done(new Error('cancelled'))
    signal.addEventListener('abort', onAbort, { once: true })
    const timer = setTimeout(() => done(new Error('no hello')), timeoutMs)
  })
}

/** The state's failure and log tail, for an assertion message. */
export function explain(state: DeployState): string {
  const progress = state.progress
  return `${progress?.operation} ${progress?.state}: ${progress?.error}\n${state.log
    .slice(-40)
    .map((line) => `${line.step}> ${line.text}`)
    .join('\n')}`
}
