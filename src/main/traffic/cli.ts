// Entry of `npm run traffic` (bundled by scripts/traffic.mjs): loads a server on this machine from the
// command line, printing one line per second and a summary.
import { readFileSync } from 'node:fs'
import { parseTrafficArgs, TRAFFIC_USAGE } from './cli-args'
import { progressLine, summaryText } from './cli-report'
import { startTraffic, TrafficPlanError, type TrafficRun } from './traffic-generator'

export async function runTrafficCli(argv: readonly string[]): Promise<number> {
  const parsed = parseTrafficArgs(argv, (file) => readFileSync(file, 'utf8'))
  if (parsed.kind === 'help') {
    process.stdout.write(`${TRAFFIC_USAGE}\n`)
    return 0
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`traffic: ${parsed.message}\n`)
    return 2
  }
  let run: TrafficRun
  try {
    run = await startTraffic({
      plan: parsed.plan,
      onSnapshot: (snapshot) => {
        if (snapshot.state !== 'finished') process.stdout.write(`${progressLine(snapshot)}\n`)
      },
    })
  } catch (error) {
    if (!(error instanceof TrafficPlanError)) throw error
    process.stderr.write(`traffic: ${error.message}\n`)
    return 2
  }
  let interrupted = false
  const interrupt = () => {
    if (interrupted) process.exit(130) // a second Ctrl-C: do not wait for the in-flight requests
    interrupted = true
    process.stderr.write('traffic: stopping (Ctrl-C again to quit at once)\n')
    void run.stop()
  }
  process.on('SIGINT', interrupt)
  process.on('SIGTERM', interrupt)
  const summary = await run.done
  process.off('SIGINT', interrupt)
  process.off('SIGTERM', interrupt)
  process.stdout.write(`${summaryText(summary)}\n`)
  return interrupted ? 130 : 0
}

try {
  process.exitCode = await runTrafficCli(process.argv.slice(2))
} catch (error) {
  process.stderr.write(`traffic: ${(error as Error).message}\n`)
  process.exitCode = 1
}
