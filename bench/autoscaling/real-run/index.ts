// The "Autoscaling: real run" section of docs/BENCHMARKS.md: the real agent, containers and traffic under
// both policies, time-compressed, scored like the simulation and set against its simulated counterpart.
import { findings } from '../findings'
import { scoreTable } from '../score-table'
import type { ScenarioSummary } from '../summary'
import { agreementLine } from './compare'
import { realRunMethod } from './method'
import { type RealRunOptions, type RealRunResults, runRealAutoscaling } from './run-real'

const named = (summary: ScenarioSummary, name: string): ScenarioSummary => ({ ...summary, name })

export function realRunTables(r: RealRunResults): string {
  const blocks = r.scenarios.map((scenario) => {
    if (!scenario.real || !scenario.simulated)
      return `**${scenario.name}**: did not complete: ${scenario.error ?? 'no result'}.`
    const { real, simulated } = scenario
    const seeds = simulated.seeds.length
    const facts = (['ours', 'hpa'] as const).flatMap((id) => {
      const f = scenario.facts[id]
      if (!f) return []
      const errors = f.agentErrors.length > 0 ? `; agent errors: ${f.agentErrors.join(' / ')}` : ''
      return [
        `${id === 'ours' ? 'ours' : 'HPA'} ${f.sent} requests sent (${f.failed} failed, ${f.unsent} never sent), ` +
          `send lag p99 ${f.sendLagP99Ms.toFixed(1)} ms, client p99 latency ${Math.round(f.latencyP99RealMs)} ms ` +
          `of real time, ${Math.round(f.realSeconds)} s${errors}`,
      ]
    })
    return [
      `**${real.name}** (${real.description}; all figures in trace time):`,
      '',
      scoreTable([
        named(real, `${real.name}, real`),
        named(simulated, `${real.name}, simulated (${seeds} seeds)`),
      ]),
      '',
      `- Real against simulated: ${agreementLine(real, simulated)}.`,
      `- Runs: ${facts.join('; ')}.`,
    ].join('\n')
  })
  const reals = r.scenarios.flatMap((s) => (s.real ? [s.real] : []))
  const commentary =
    reals.length > 0
      ? findings(reals)
          .map((line) => `- Real run: ${line}`)
          .join('\n')
      : ''
  return [...blocks, commentary].filter(Boolean).join('\n\n')
}

export async function autoscalingRealRunSection(
  options: RealRunOptions,
): Promise<{ title: string; method: string; table: string }> {
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`))
  const quick = options.quick
  try {
    const results = await runRealAutoscaling({ ...options, onProgress })
    const runtime = results.runtime === 'docker' ? 'Docker' : 'process runtime, Docker unreachable'
    return {
      title: `Autoscaling: real run (${runtime}, time-compressed ×${results.mode.factor})`,
      method: realRunMethod(results),
      table: realRunTables(results),
    }
  } catch (error) {
    return {
      title: 'Autoscaling: real run',
      method: `The real run${quick ? ' (quick)' : ''} did not complete: ${(error as Error).message}`,
      table: '',
    }
  }
}
