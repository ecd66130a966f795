// What every operation shares: running one step (progress in, failure message out), connecting over
// SSH, and inspecting the host.
import type { SshLogin } from '../../shared/domain/provision'
import { errorMessage } from '../../shared/issues'
import { type HostProbe, PROBE_SCRIPT, parseProbe } from './host-probe'
import type { KnownHosts } from './known-hosts'
import type { OperationRecord } from './operation-record'
import { Remote, StepFailure } from './remote'
import { SshError } from './ssh-login'
import { SshSession } from './ssh-session'

export interface DeployTarget {
  vmName: string
  login: SshLogin
  secrets?: { password?: string | undefined; passphrase?: string | undefined }
  capacity?: number | undefined
}

export interface OperationContext {
  record: OperationRecord
  target: DeployTarget
  signal: AbortSignal
  knownHosts: KnownHosts
  connectTimeoutMs?: number | undefined
}

/** Thrown after a step failed and the record says why: the operation stops there. */
export class OperationStopped extends Error {
  override name = 'OperationStopped'
}

export type StepOutcome = string | null | { skipped: string | null }

export async function runStep(
  ctx: OperationContext,
  id: string,
  body: () => Promise<StepOutcome>,
): Promise<void> {
  const { record, signal } = ctx
  if (signal.aborted) {
    record.fail(id, 'Cancelled: the VIM is shutting down')
    throw new OperationStopped()
  }
  record.begin(id)
  let outcome: StepOutcome
  try {
    outcome = await body()
  } catch (error) {
    if (signal.aborted) record.fail(id, 'Cancelled: the VIM is shutting down')
    else record.fail(id, errorMessage(error), error instanceof SshError ? error.code : undefined)
    throw new OperationStopped()
  }
  if (outcome !== null && typeof outcome === 'object') record.skip(id, outcome.skipped)
  else record.done(id, outcome)
}

/** Connects and checks the host key; `check` may refuse the connection for the operation's own reasons. */
export async function connectStep(
  ctx: OperationContext,
  check?: (session: SshSession) => string | undefined,
): Promise<Remote> {
  const { login, secrets } = ctx.target
  let remote: Remote | undefined
  await runStep(ctx, 'connect', async () => {
    const session = await SshSession.open({
      login: {
        host: login.address,
        port: login.port,
        user: login.user,
        auth: login.auth,
        keyPath: login.keyPath,
        password: secrets?.password ?? login.password,
        passphrase: secrets?.passphrase ?? login.passphrase,
      },
      knownHosts: ctx.knownHosts,
      signal: ctx.signal,
      ...(ctx.connectTimeoutMs && { timeoutMs: ctx.connectTimeoutMs }),
    })
    remote = new Remote(session, ctx.record, ctx.signal)
    const { key, status } = session.hostKey
    remote.info(
      'connect',
      `connected to ${login.address}:${login.port} as ${login.user} from ${session.localAddress}:${session.localPort}; ` +
        `host key ${key.algorithm} ${key.fingerprint}${status === 'first-use' ? ' seen for the first time, now trusted' : ' (trusted)'}`,
    )
    const refusal = check?.(session)
    if (refusal) throw new StepFailure(refusal)
    return `${login.user}@${login.address}:${login.port}, host key ${key.fingerprint}${
      status === 'first-use' ? ' (trusted on first use)' : ''
    }`
  }).catch((error) => {
    remote?.session.close()
    throw error
  })
  return remote as Remote
}

export async function probeStep(
  ctx: OperationContext,
  remote: Remote,
  describe: (probe: HostProbe) => string,
): Promise<HostProbe> {
  let probe: HostProbe | undefined
  await runStep(ctx, 'probe', async () => {
    const result = await remote.script('probe', PROBE_SCRIPT, [], { timeoutMs: 90_000 })
    const parsed = parseProbe(result.stdout)
    if (!parsed.ok) throw new StepFailure(`Inspecting ${remote.host} failed: ${parsed.message}`)
    probe = parsed.probe
    if (probe.missingTools.length > 0)
      throw new StepFailure(
        `${remote.host} lacks ${probe.missingTools.join(', ')}, which the deploy needs (coreutils, util-linux): install them and deploy again`,
      )
    return describe(probe)
  })
  return probe as HostProbe
}
