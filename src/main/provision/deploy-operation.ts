// A deploy (or an upgrade, when an agent is installed) from connect to the agent's hello: each step
// reports progress, and a failure leaves the host as it was or ready for the deploy to be run again.
import { errorMessage } from '../../shared/issues'
import { agentKeyPem, generateAgentKey } from '../../shared/protocol/agent-identity'
import { renderAgentConfig } from './agent-files'
import { agentLogTail, startAgent, supervisorFile } from './agent-service'
import {
  describeHost,
  diskShortage,
  hubUrlForHost,
  type InstallLayout,
  installLayout,
  installPaths,
  type NodePlan,
  planDocker,
  planNode,
  type Where,
} from './deploy-plan'
import {
  contentInstallFile,
  ensureInstallDir,
  type InstallFile,
  localInstallFile,
  makeStageDir,
  removeStageDir,
  syncFiles,
} from './file-sync'
import type { HostProbe } from './host-probe'
import type { RuntimeLookup } from './node-runtime'
import { connectStep, type OperationContext, probeStep, runStep } from './operation-steps'
import { type Remote, StepFailure } from './remote'

export interface HubDetails {
  port: number
  boundHost: string
  fingerprint: string
  joinToken: string
  clusterId: string
}

export interface DeployDeps {
  agentBundle: string
  agentVersion: string
  resourcesDir: string
  hub: () => HubDetails
  agentDefaults: () => { cpusPerContainer: number; memoryPerContainer: string }
  findNodeRuntime: () => Promise<RuntimeLookup>
  waitForAgent: (vmName: string, options: { timeoutMs: number; signal: AbortSignal }) => Promise<void>
  pinAgentKey: (vmName: string, publicKey: string) => void
  helloTimeoutMs: number
}

const APT_TIMEOUT_MS = 15 * 60_000
/** What the service step may take on top of the hello timeout (stopping an agent allows it 30 s). */
const SERVICE_BUDGET_MS = 120_000

const TIMED_OUT = Symbol('timed out')

/**
 * Starts listening for the agent's hello before the agent starts: it may come before the service step
 * ends, and the session of an agent being replaced must not count. `within` resolves undefined once the
 * hello came, else with why not (TIMED_OUT, or the wait's own error).
 */
function waitForHello(deps: DeployDeps, vmName: string, signal: AbortSignal) {
  const wait = new AbortController()
  const stop = () => wait.abort()
  if (signal.aborted) stop()
  else signal.addEventListener('abort', stop, { once: true })
  const hello = deps
    .waitForAgent(vmName, { timeoutMs: deps.helloTimeoutMs + SERVICE_BUDGET_MS, signal: wait.signal })
    .then(
      () => undefined,
      (error: unknown) => error ?? new Error('the wait for its hello failed'),
    )
  return {
    within(timeoutMs: number): Promise<unknown> {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs)
      })
      return Promise.race([hello, timeout]).finally(() => clearTimeout(timer))
    },
    stop() {
      stop()
      signal.removeEventListener('abort', stop)
    },
  }
}

export async function runDeploy(
  ctx: OperationContext,
  deps: DeployDeps,
  options: { installDocker: boolean },
): Promise<void> {
  const { record, target } = ctx
  const hub = deps.hub()
  record.redact(hub.joinToken)
  let hubUrl = ''
  const remote = await connectStep(ctx, (session) => {
    const url = hubUrlForHost(hub, session, target.login.address)
    if (!url.ok) return url.message
    hubUrl = url.url
    return undefined
  })
  let stageDir: string | undefined
  try {
    const where = { host: target.login.address, user: target.login.user }
    let layout: InstallLayout | undefined
    const probe = await probeStep(ctx, remote, (found) => {
      layout = installLayout(found)
      return describeHost(found, layout)
    })
    const install = layout as InstallLayout
    const paths = installPaths(install.dir)
    // A directory without a version file is a deploy that was cut off, not an installed agent.
    if (probe.installed.root?.version ?? probe.installed.home?.version) record.setOperation('upgrade')

    await runStep(ctx, 'docker', async () => {
      const plan = planDocker(probe, where, options.installDocker)
      if (plan.kind === 'ready') return plan.detail
      if (plan.kind === 'fail') throw new StepFailure(plan.message)
      return installDocker(remote)
    })

    let node: NodePlan = { kind: 'fail', message: 'not planned' }
    await runStep(ctx, 'node', async () => {
      node = planNode(probe, where, await deps.findNodeRuntime())
      if (node.kind === 'fail') throw new StepFailure(node.message)
      if (node.kind === 'host') return `Node ${node.version} at ${node.path}`
      const detail = `${node.reason}: the VIM's Node ${node.runtime.version} (${probe.arch}) will be uploaded to ${paths.node}`
      remote.info('node', detail)
      return detail
    })
    const nodePlan = node as NodePlan
    const nodePath = nodePlan.kind === 'host' ? nodePlan.path : paths.node

    await runStep(ctx, 'upload', () =>
      uploadAgent(remote, deps, { probe, install, nodePlan, where, onStage: (dir) => (stageDir = dir) }),
    )

    await runStep(ctx, 'config', async () => {
      const defaults = deps.agentDefaults()
      const config = renderAgentConfig({
        vmName: target.vmName,
        clusterId: hub.clusterId,
        hubUrl,
        token: hub.joinToken,
        caFingerprint: hub.fingerprint,
        capacity: target.capacity,
        cpusPerContainer: defaults.cpusPerContainer,
        memoryPerContainer: defaults.memoryPerContainer,
      })
      const file = contentInstallFile('agent.json', config, paths.config, 0o600)
      // Every deploy (and upgrade) installs a fresh agent key beside the config, where the agent looks for
      // it, and the VIM trusts it for this VM name before the agent starts: the deploy is the trusted
      // path (the host's SSH key is pinned), so the name never waits for a first use anyone could win.
      const key = generateAgentKey()
      const keyFile = contentInstallFile('agent.key', agentKeyPem(key), paths.key, 0o600)
      const synced = await syncFiles(remote, 'config', [file, keyFile], stageDir as string, install.sudo)
      deps.pinAgentKey(target.vmName, key.publicKey)
      const changed = synced.uploaded.includes('agent.json') ? '' : ', unchanged'
      return `${paths.config} (mode 0600${install.sudo ? ', owned by root' : ''})${changed}: hub ${hubUrl}; new agent key ${key.fingerprint} in ${paths.key}`
    })

    const hello = waitForHello(deps, target.vmName, ctx.signal)
    try {
      await runStep(ctx, 'service', () =>
        startAgent(remote, 'service', {
          layout: install,
          vmName: target.vmName,
          nodePath,
          resourcesDir: deps.resourcesDir,
          stageDir: stageDir as string,
        }),
      )
      await runStep(ctx, 'hello', async () => {
        const started = Date.now()
        const failure = await hello.within(deps.helloTimeoutMs)
        if (failure === undefined)
          return `agent ${deps.agentVersion} connected after ${((Date.now() - started) / 1000).toFixed(1)} s`
        if (ctx.signal.aborted) throw failure
        const tail = await agentLogTail(remote, 'hello', install)
        throw new StepFailure(
          `The agent did not connect to the VIM at ${hubUrl} within ${Math.round(deps.helloTimeoutMs / 1000)} s` +
            `${failure === TIMED_OUT ? '' : ` (${errorMessage(failure)})`}. ` +
            (tail ? `Last lines of its log:\n${tail}` : `Its log (${paths.log}) is empty or unreadable.`),
        )
      })
    } finally {
      hello.stop()
    }
    record.succeed()
  } finally {
    if (stageDir) await removeStageDir(remote, 'upload', stageDir)
    remote.session.close()
  }
}

/** docker.io from the host's package sources; without internet (or a mirror) apt-get fails and says so. */
async function installDocker(remote: Remote): Promise<string> {
  remote.info('docker', `Docker is missing: installing docker.io with apt-get on ${remote.host}`)
  const result = await remote.command(
    'docker',
    [
      'env',
      'DEBIAN_FRONTEND=noninteractive',
      'apt-get',
      'install',
      '-y',
      '--no-install-recommends',
      'docker.io',
    ],
    { sudo: true, timeoutMs: APT_TIMEOUT_MS },
  )
  if (result.code !== 0)
    throw new StepFailure(
      `Installing docker.io on ${remote.host} failed (apt-get exit ${result.code ?? 'unknown'}): the host needs its package ` +
        'sources (internet access or a local mirror). Install Docker there yourself, then deploy again',
    )
  // Without systemd nothing starts the engine the package installed.
  const engine = await remote.command('docker', ['docker', 'version', '--format', '{{.Server.Version}}'], {
    sudo: true,
    log: false,
    timeoutMs: 30_000,
  })
  if (engine.code !== 0)
    throw new StepFailure(
      `docker.io is installed on ${remote.host} but its engine does not answer: start it (sudo systemctl start docker) and deploy again`,
    )
  return `installed docker.io (Docker ${engine.stdout.trim()})`
}

interface UploadPlan {
  probe: HostProbe
  install: InstallLayout
  nodePlan: NodePlan
  where: Where
  onStage: (dir: string) => void
}

/** The bundle, the runtime when the host needs one, the supervisor, then the version file, each unless unchanged. */
async function uploadAgent(remote: Remote, deps: DeployDeps, plan: UploadPlan): Promise<string> {
  const { probe, install, nodePlan } = plan
  const paths = installPaths(install.dir)
  const files: InstallFile[] = [await localInstallFile('vmm-agent.mjs', deps.agentBundle, paths.agent, 0o644)]
  if (nodePlan.kind === 'upload')
    files.push(await localInstallFile('node', nodePlan.runtime.path, paths.node, 0o755))
  if (install.service === 'supervisor') files.push(supervisorFile(deps.resourcesDir, install.dir))
  // Last: a version file means every file before it is in place.
  files.push(contentInstallFile('version', `${deps.agentVersion}\n`, paths.version, 0o644))
  const shortage = diskShortage(
    probe,
    install,
    files.reduce((sum, f) => sum + f.size, 0),
    plan.where,
  )
  if (shortage) throw new StepFailure(shortage)
  await ensureInstallDir(remote, 'upload', install)
  const stageDir = await makeStageDir(remote, 'upload', install)
  plan.onStage(stageDir)
  const synced = await syncFiles(remote, 'upload', files, stageDir, install.sudo, (detail) =>
    remote.note('upload', detail),
  )
  if (nodePlan.kind === 'upload') await checkUploadedNode(remote, paths.node, install)
  return [
    synced.uploaded.length ? `uploaded ${synced.uploaded.join(', ')}` : 'nothing to upload',
    synced.unchanged.length ? `unchanged: ${synced.unchanged.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ')
}

async function checkUploadedNode(remote: Remote, nodePath: string, install: InstallLayout): Promise<void> {
  const result = await remote.command('upload', [nodePath, '--version'], {
    sudo: install.sudo,
    timeoutMs: 30_000,
  })
  if (result.code !== 0)
    throw new StepFailure(
      `The uploaded Node runtime does not run on ${remote.host} (${result.stderr.trim().split('\n').at(-1) || `exit ${result.code}`}): install Node.js ≥ 18 on the host`,
    )
}
