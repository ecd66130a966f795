// What `npm run traffic` prints: one line per snapshot and a summary at the end, as plain text.
import type { LatencySummary, TrafficSnapshot } from '../../shared/domain/traffic'

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1))
const perSecond = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1))

function counts(record: Partial<Record<string, number>>): string {
  const entries = Object.entries(record).filter(([, n]) => (n ?? 0) > 0)
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${key} × ${n}`).join(', ')
}

/** e.g. ` 3 s  target 200/s  sent 200/s  done 199/s  p50 1.2 ms  p99 4.0 ms  in flight 1  errors 0` */
export function progressLine(s: TrafficSnapshot): string {
  const i = s.interval
  const target = s.intendedRate === null ? `users ${s.users}` : `target ${perSecond(s.intendedRate)}/s`
  const errorKinds = counts(s.errors)
  return [
    `${s.elapsedSeconds.toFixed(0).padStart(3)} s`,
    target,
    `sent ${perSecond(i.sentRate)}/s`,
    `done ${perSecond(i.rate)}/s`,
    `p50 ${ms(i.latencyMs.p50)} ms`,
    `p99 ${ms(i.latencyMs.p99)} ms`,
    `in flight ${s.inFlight}`,
    `errors ${i.failed}${i.failed > 0 && errorKinds !== 'none' ? ` (total: ${errorKinds})` : ''}`,
  ].join('  ')
}

const latency = (l: LatencySummary) =>
  `p50 ${ms(l.p50)} ms  p90 ${ms(l.p90)} ms  p99 ${ms(l.p99)} ms  max ${ms(l.max)} ms`

export function summaryText(s: TrafficSnapshot): string {
  const how = s.mode === 'open' ? `${s.pattern} open loop` : `closed loop, ${s.users} users`
  const answered = Object.values(s.statusCodes).reduce((sum, n) => sum + n, 0)
  const from = s.mode === 'open' ? 'from the intended send time' : 'from the send time'
  return [
    `Summary: ${how} against ${s.target}, ${s.elapsedSeconds.toFixed(1)} s (ended: ${s.endReason})`,
    `  requests  ${s.sent} sent (${perSecond(s.total.sentRate)}/s), ${s.total.completed} done (${perSecond(s.total.rate)}/s), ${s.total.failed} failed, ${s.aborted} aborted by the stop, ${s.unsent} due but not sent`,
    `  latency   ${answered > 0 ? `${latency(s.total.latencyMs)} (${from})` : 'no responses'}`,
    `  status    ${counts(s.statusCodes)}`,
    `  errors    ${counts(s.errors)}`,
    `  send lag  p99 ${ms(s.sendLagMs.p99)} ms  max ${ms(s.sendLagMs.max)} ms`,
  ].join('\n')
}
