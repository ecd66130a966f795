// The results table: per scenario, each policy's mean scores over the seeds, ours / baseline, and the
// oracle's container-seconds.
import { count, ratioCell, seconds, times, whole } from './format'
import { behindBeyondSpread, type PolicySummary, type ScenarioSummary, type ScoreName } from './summary'

interface Column {
  header: string
  score: ScoreName
  format: (value: number | null) => string
}

const COLUMNS: Column[] = [
  { header: 'Reaction (s)', score: 'reactionSeconds', format: seconds },
  { header: 'p95 back under SLO (s)', score: 'recoverySeconds', format: seconds },
  { header: 'SLO-violation s', score: 'violationSeconds', format: count },
  { header: 'Failed requests', score: 'failedRequests', format: whole },
  { header: 'Container-s', score: 'containerSeconds', format: whole },
  { header: 'Flaps', score: 'flaps', format: count },
]

function policyRow(summary: ScenarioSummary, policy: PolicySummary, first: boolean): string {
  const cells = COLUMNS.map((column) => {
    let cell = column.format(policy.mean[column.score])
    // The seeds' spread (one standard deviation), so that a reader can tell a lead from a lucky draw.
    const spread = policy.spread[column.score]
    if (summary.seeds.length > 1 && spread !== null && policy.mean[column.score] !== null) {
      cell += ` ±${column.format(spread)}`
    }
    // A mean over fewer seeds than ran must say so, or a "never" would vanish into the average.
    if (column.score === 'reactionSeconds' && policy.noReaction > 0) cell += ` (none in ${policy.noReaction})`
    if (column.score === 'recoverySeconds' && policy.noRecovery > 0)
      cell += ` (never in ${policy.noRecovery})`
    return cell
  })
  const container = policy.mean.containerSeconds ?? 0
  const vsOracle = times(container / summary.oracleContainerSeconds)
  const name = first ? `**${summary.name}**` : ''
  return `| ${name} | ${policy.label} | ${cells.slice(0, 5).join(' | ')} | ${vsOracle} | ${cells[5]} |`
}

function ratioRow(summary: ScenarioSummary): string {
  const cells = COLUMNS.map((column) =>
    ratioCell(
      summary.ours.mean[column.score],
      summary.hpa.mean[column.score],
      summary.seeds.length > 1 && !behindBeyondSpread(summary, column.score),
    ),
  )
  return `| | Ours / HPA | ${cells.slice(0, 5).join(' | ')} | | ${cells[5]} |`
}

export function scoreTable(summaries: readonly ScenarioSummary[]): string {
  const headers = ['Scenario', 'Policy', ...COLUMNS.slice(0, 5).map((c) => c.header), 'vs oracle', 'Flaps']
  const rows = summaries.flatMap((summary) => [
    policyRow(summary, summary.ours, true),
    policyRow(summary, summary.hpa, false),
    ratioRow(summary),
    `| | Oracle | | | | | ${whole(summary.oracleContainerSeconds)} | 1.00× | |`,
  ])
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows].join('\n')
}
