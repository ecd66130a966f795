// `npm run chaos [-- --quick] [-- --scenario NAME]`: named faults against a real lab under an open-loop load;
// a full run writes docs/RELIABILITY.md. Whatever a scenario started is cleaned up, also on Ctrl-C.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { runningVims } from './lab-vim'
import { reliabilityDoc, resultTable, type ScenarioOutcome } from './report'
import { runScenario, type ScenarioResult } from './run-scenario'
import { SCENARIOS, type Scenario, scenarioNamed } from './scenarios'

/** `loadAtStart`: the 1-minute load average when the run began; other work on the machine shows in latency. */
function machine(loadAtStart: number): string {
  let docker = 'not reachable'
  try {
    docker = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      encoding: 'utf8',
    }).trim()
  } catch {
    // Said as such in the doc.
  }
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    `- Memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node ${process.version}, Docker Engine ${docker}, ${process.platform} ${process.arch}`,
    `- Load average (1 min): ${loadAtStart.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end`,
  ].join('\n')
}

/** On Ctrl-C or SIGTERM: stop every VIM still running (and what it left), then exit with the signal. */
function cleanUpOnSignal(): void {
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`chaos: ${signal}; cleaning up…\n`)
    void Promise.all(runningVims().map((vim) => vim.cleanUp())).finally(() => {
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
}

function writeRequestLog(dir: string, result: ScenarioResult): void {
  mkdirSync(dir, { recursive: true })
  const lines = result.records
    .sort((a, b) => a.intendedAt - b.intendedAt)
    .map((r) => JSON.stringify({ ...r, dueMs: Math.round(r.intendedAt - result.faultAt) }))
  writeFileSync(join(dir, `${result.scenario}.jsonl`), `${lines.join('\n')}\n`)
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  const root = argv[0] && !argv[0].startsWith('--') ? (argv.shift() as string) : process.cwd()
  let values: { quick?: boolean; scenario?: string; 'log-dir'?: string; help?: boolean }
  try {
    values = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean' },
        scenario: { type: 'string' },
        'log-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (error) {
    process.stderr.write(`chaos: ${(error as Error).message} (see --help)\n`)
    return 2
  }
  if (values.help) {
    process.stdout.write(
      `Usage: npm run chaos -- [--quick] [--scenario NAME] [--log-dir DIR]\n\n--log-dir DIR writes every request of each scenario to DIR/NAME.jsonl (times from the fault).\n\nScenarios: ${SCENARIOS.map((s) => s.name).join(', ')}\n`,
    )
    return 0
  }
  let chosen: readonly Scenario[]
  try {
    chosen = values.scenario ? [scenarioNamed(values.scenario)] : SCENARIOS
  } catch (error) {
    process.stderr.write(`chaos: ${(error as Error).message}\n`)
    return 2
  }
  cleanUpOnSignal()
  const quick = values.quick ?? false
  const startedAt = Date.now()
  const loadAtStart = loadavg()[0] ?? 0
  const outcomes: ScenarioOutcome[] = []
  for (const scenario of chosen) {
    try {
      const result = await runScenario(scenario, {
        root,
        quick,
        log: (line) => process.stderr.write(`chaos: ${line}\n`),
      })
      outcomes.push({ scenario, result })
      if (values['log-dir']) writeRequestLog(values['log-dir'], result)
    } catch (error) {
      process.stderr.write(`chaos: ${scenario.name} could not run: ${(error as Error).message}\n`)
      outcomes.push({ scenario, error: (error as Error).message.split('\n')[0] })
    }
  }
  const totalSeconds = (Date.now() - startedAt) / 1000
  if (values.scenario) {
    process.stdout.write(`${resultTable(outcomes)}\n`)
  } else {
    const doc = reliabilityDoc({
      outcomes,
      machine: machine(loadAtStart),
      command: `npm run chaos${quick ? ' -- --quick' : ''}`,
      totalSeconds,
      scenarios: chosen,
    })
    writeFileSync(join(root, 'docs', 'RELIABILITY.md'), doc)
    process.stdout.write(doc)
  }
  process.stderr.write(`chaos: ${chosen.length} scenario(s) in ${totalSeconds.toFixed(0)} s\n`)
  return outcomes.every((o) => o.result) ? 0 : 1
}

process.exitCode = await main()
