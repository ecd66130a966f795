// Agent deploys in the app store, per VM: the latest operation's steps and the tail of its log. Events
// ('deploy:progress', 'deploy:log') keep it live; deploy:get and deploy:start's answer seed it, so a
// page reloaded mid-deploy shows what ran so far.
import type { DeployLogLine, DeployProgress, DeployState } from '../../../shared/domain/provision'

/** Lines kept per VM: enough to read a failed apt-get, few enough to render at once. */
export const DEPLOY_LOG_LIMIT = 2000

export interface NumberedLogLine extends DeployLogLine {
  /** Rises with every line of the VM, so a line keeps its key when older ones drop off. */
  seq: number
}

export interface DeployRun {
  progress: DeployProgress | null
  /** Oldest first, at most DEPLOY_LOG_LIMIT lines. */
  log: NumberedLogLine[]
  /** Older lines were dropped to stay within the limit. */
  truncated: boolean
  nextSeq: number
}

export interface DeployRunsState {
  /** By VM id; a VM without an entry has had no operation since the page loaded. */
  deployRuns: Record<string, DeployRun>
  /** A 'deploy:progress' event: always the newest word on its VM. */
  applyDeployProgress(progress: DeployProgress): void
  /** A 'deploy:log' batch, possibly for several VMs. */
  appendDeployLog(lines: readonly DeployLogLine[]): void
  /** A state read by a call, which events may have overtaken while it was under way. */
  mergeDeployState(vmId: string, state: DeployState): void
}

export const NO_DEPLOY_RUN: DeployRun = { progress: null, log: [], truncated: false, nextSeq: 0 }

type SetDeployRuns = (update: (state: DeployRunsState) => Pick<DeployRunsState, 'deployRuns'>) => void

export function createDeployRunsSlice(set: SetDeployRuns): DeployRunsState {
  const update = (vmId: string, change: (run: DeployRun) => DeployRun) =>
    set(({ deployRuns }) => ({
      deployRuns: { ...deployRuns, [vmId]: change(deployRuns[vmId] ?? NO_DEPLOY_RUN) },
    }))
  return {
    deployRuns: {},
    applyDeployProgress: (progress) => update(progress.vmId, (run) => withProgress(run, progress)),
    appendDeployLog: (lines) => {
      const byVm = new Map<string, DeployLogLine[]>()
      for (const line of lines) {
        const ofVm = byVm.get(line.vmId)
        if (ofVm) ofVm.push(line)
        else byVm.set(line.vmId, [line])
      }
      for (const [vmId, ofVm] of byVm) update(vmId, (run) => withLines(run, ofVm))
    },
    mergeDeployState: (vmId, state) => update(vmId, (run) => withState(run, state)),
  }
}

const sameOperation = (a: DeployProgress, b: DeployProgress) =>
  a.startedAt === b.startedAt && a.operation === b.operation

export function withProgress(run: DeployRun, progress: DeployProgress): DeployRun {
  if (run.progress && sameOperation(run.progress, progress)) return { ...run, progress }
  // A new operation starts its own log; its first lines may have raced ahead of its first progress.
  const log = run.log.filter((line) => line.at >= progress.startedAt)
  return { ...run, progress, log, truncated: false }
}

export function withLines(run: DeployRun, lines: readonly DeployLogLine[]): DeployRun {
  const numbered = lines.map((line, i) => ({ ...line, seq: run.nextSeq + i }))
  const all = run.log.concat(numbered)
  const log = all.length > DEPLOY_LOG_LIMIT ? all.slice(-DEPLOY_LOG_LIMIT) : all
  return {
    ...run,
    log,
    truncated: run.truncated || all.length > log.length,
    nextSeq: run.nextSeq + lines.length,
  }
}

/**
 * How far an operation got: steps only move forward and a finished operation never runs again, so of
 * two copies of one operation the more advanced is the newer.
 */
export function advancement(progress: DeployProgress): number {
  if (progress.state !== 'running') return Number.POSITIVE_INFINITY
  return progress.steps.reduce(
    (sum, step) => sum + (step.state === 'pending' ? 0 : step.state === 'running' ? 1 : 2),
    0,
  )
}

export function withState(run: DeployRun, state: DeployState): DeployRun {
  const { progress } = state
  const known = run.progress
  if (!progress) return run
  if (known && !sameOperation(known, progress) && known.startedAt > progress.startedAt) return run
  const newer =
    known && sameOperation(known, progress) && advancement(known) >= advancement(progress) ? known : progress
  // The server's log is the operation's log so far; lines pushed meanwhile come after it.
  const pushed = run.log.filter((line) => line.at >= progress.startedAt)
  const merged = [...state.log, ...notIn(state.log, pushed)]
  const log = merged.slice(-DEPLOY_LOG_LIMIT)
  return {
    progress: newer,
    log: log.map((line, i) => ({ ...line, seq: run.nextSeq + i })),
    truncated: merged.length > log.length,
    nextSeq: run.nextSeq + log.length,
  }
}

const lineKey = (line: DeployLogLine) => `${line.at}\n${line.step}\n${line.stream}\n${line.text}`

/** The lines of `pushed` that `base` does not hold, counting repeats (a log may repeat a line). */
function notIn(base: readonly DeployLogLine[], pushed: readonly NumberedLogLine[]): DeployLogLine[] {
  const counts = new Map<string, number>()
  for (const line of base) counts.set(lineKey(line), (counts.get(lineKey(line)) ?? 0) + 1)
  return pushed
    .filter((line) => {
      const key = lineKey(line)
      const left = counts.get(key) ?? 0
      if (left > 0) counts.set(key, left - 1)
      return left === 0
    })
    .map(({ seq: _, ...line }) => line)
}
