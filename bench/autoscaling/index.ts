// The autoscaling benchmark section: every scenario under several seeds for ours and the HPA defaults,
// summarized into the table and findings of docs/BENCHMARKS.md.
import { contenders } from './contenders'
import { EXAMPLE_TRACE_CSV } from './example-trace'
import { findings } from './findings'
import { methodText } from './method'
import { runScenario } from './run-scenario'
import { type Scenario, SYNTHETIC_SCENARIOS } from './scenarios'
import { scoreTable } from './score-table'
import { type ScenarioSummary, summarizeScenario } from './summary'
import { parseTraceCsv, type TraceUnit } from './trace-csv'
import { DEFAULT_WORKLOAD, type Workload } from './workload'

export interface TraceInput {
  name: string
  csv: string
  /** When the CSV has no header naming it. */
  unit?: TraceUnit
}

export interface AutoscalingBenchOptions {
  quick: boolean
  /** Calibrated figures replace the defaults (see the method text). */
  workload?: Partial<Workload>
  seeds?: readonly number[]
  /** CSV traces to replay; defaults to the bundled example. */
  traces?: readonly TraceInput[]
  onProgress?: (line: string) => void
}

export interface AutoscalingResults {
  workload: Workload
  seeds: readonly number[]
  summaries: ScenarioSummary[]
  elapsedSeconds: number
}

const QUICK_SEEDS = [1, 2]
const FULL_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

export async function runAutoscalingBench(options: AutoscalingBenchOptions): Promise<AutoscalingResults> {
  const workload = { ...DEFAULT_WORKLOAD, ...options.workload }
  const seeds = options.seeds ?? (options.quick ? QUICK_SEEDS : FULL_SEEDS)
  const traces = options.traces ?? [{ name: 'trace (example CSV)', csv: EXAMPLE_TRACE_CSV }]
  const progress = options.onProgress ?? (() => {})
  const runners = contenders(workload)
  const started = performance.now()
  const summaries: ScenarioSummary[] = []

  const byName: { name: string; make: (seed: number) => Scenario }[] = [
    ...SYNTHETIC_SCENARIOS.map((build) => ({
      name: build({ seed: 0, workload }).name,
      make: (seed: number) => build({ seed, workload }),
    })),
    ...traces.map((trace) => {
      const parsed = parseTraceCsv(trace.csv, trace.name, trace.unit)
      if (!parsed.ok) throw new Error(parsed.error)
      return { name: trace.name, make: () => parsed.scenario }
    }),
  ]
  for (const { name, make } of byName) {
    progress(`bench: autoscaling ${name} × ${seeds.length} seeds…`)
    const results = []
    for (const seed of seeds) {
      results.push(runScenario(make(seed), seed, workload, { runners }))
      // The simulation is synchronous; yield so that a caller's timers and output keep flowing.
      await new Promise((resolve) => setImmediate(resolve))
    }
    summaries.push(summarizeScenario(results))
  }
  return { workload, seeds, summaries, elapsedSeconds: (performance.now() - started) / 1000 }
}

export async function autoscalingSection(
  options: AutoscalingBenchOptions,
): Promise<{ title: string; method: string; table: string }> {
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`))
  const results = await runAutoscalingBench({ ...options, onProgress })
  return {
    title: 'Autoscaling: our policy against the HPA defaults (simulation)',
    method: methodText(results.workload, results.summaries, results.seeds, results.elapsedSeconds),
    table: [
      scoreTable(results.summaries),
      '',
      ...findings(results.summaries).map((line) => `- ${line}`),
    ].join('\n'),
  }
}
