// Flags of `npm run traffic` turned into a traffic plan, or into one line that says what is wrong.
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { TrafficPlan, type TrafficPlanInput } from '../../shared/domain/traffic'
import { describeIssues } from '../../shared/issues'

export const TRAFFIC_USAGE = `Usage: npm run traffic -- --url URL [options]

Open loop (requests leave on schedule; latency counts from the intended send time):
  --pattern P         steady (default), ramp, spike, step or trace
  --rate R            requests per second (steady, spike and step: the base; ramp: the start)
  --to R              ramp: the rate at the end; step: the level after the step (default 2 × rate)
  --factor N          spike: the spike's rate is N × rate (default 5)
  --at S              spike, step: when it happens, in seconds (default: a third / half of the run)
  --length S          spike: how long it lasts (default a third of the run)
  --trace FILE.csv    trace: lines 'second,requests_per_second' (header optional)
  --compress F        trace: replay F times faster, same rates (default 1)
  --max-in-flight N   requests outstanding at once (default 256)
Closed loop (each user sends its next request when the previous one answered):
  --concurrency C     C users (instead of --rate and --pattern)
Both:
  --duration S        seconds (required, except for a trace: its own length)
  --path P            request path, e.g. /session?seconds=5 (default: the URL's path)
  --max-requests N    stop after N requests
  --timeout S         per request (default 30)
  -h, --help          show this help

Targets: this machine only (127.0.0.0/8, ::1, localhost), e.g. the VIM's front proxy on 127.0.0.1:18080.
Prints one line per second and a summary. Exit status: 0 done, 2 bad flags or target, 130 interrupted.`

export type ParsedTrafficArgs =
  | { kind: 'run'; plan: TrafficPlanInput }
  | { kind: 'help' }
  | { kind: 'error'; message: string }

type Flag =
  | 'rate'
  | 'to'
  | 'factor'
  | 'at'
  | 'length'
  | 'trace'
  | 'compress'
  | 'max-in-flight'
  | 'concurrency'
  | 'duration'
const PATTERNS = ['steady', 'ramp', 'spike', 'step', 'trace'] as const
/** The pattern-specific flags each pattern takes; any other one is a mistake worth saying. */
const PATTERN_FLAGS: Record<(typeof PATTERNS)[number], readonly Flag[]> = {
  steady: ['rate'],
  ramp: ['rate', 'to'],
  spike: ['rate', 'factor', 'at', 'length'],
  step: ['rate', 'to', 'at'],
  trace: ['trace', 'compress'],
}
const PATTERN_ONLY: readonly Flag[] = ['rate', 'to', 'factor', 'at', 'length', 'trace', 'compress']

/** Plan fields as the flags that set them, so that a range error names what the user typed. */
const FLAG_OF: Record<string, string> = {
  url: 'url',
  path: 'path',
  durationSeconds: 'duration',
  concurrency: 'concurrency',
  maxRequests: 'max-requests',
  maxInFlight: 'max-in-flight',
  timeoutSeconds: 'timeout',
  'pattern.rate': 'rate',
  'pattern.from': 'rate',
  'pattern.to': 'to',
  'pattern.factor': 'factor',
  'pattern.atSeconds': 'at',
  'pattern.lengthSeconds': 'length',
  'pattern.compress': 'compress',
  'pattern.csv': 'trace',
}

export function parseTrafficArgs(
  argv: readonly string[],
  readText: (file: string) => string,
): ParsedTrafficArgs {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        pattern: { type: 'string' },
        rate: { type: 'string' },
        to: { type: 'string' },
        factor: { type: 'string' },
        at: { type: 'string' },
        length: { type: 'string' },
        trace: { type: 'string' },
        compress: { type: 'string' },
        concurrency: { type: 'string' },
        duration: { type: 'string' },
        path: { type: 'string' },
        'max-requests': { type: 'string' },
        'max-in-flight': { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (error) {
    return { kind: 'error', message: `${(error as Error).message.split('\n')[0]} (see --help)` }
  }
  if (values.help) return { kind: 'help' }
  const error = (message: string): ParsedTrafficArgs => ({
    kind: 'error',
    message: `${message} (see --help)`,
  })
  const text = (name: string) => values[name] as string | undefined
  let badNumber: string | undefined
  const number = (name: Flag | 'max-requests' | 'timeout'): number | undefined => {
    const raw = text(name)
    if (raw === undefined) return undefined
    const value = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(value)) badNumber ??= `--${name} must be a number, got '${raw}'`
    return value
  }

  const url = text('url')
  if (!url) return error('--url is required, e.g. --url http://127.0.0.1:18080')
  const closed = text('concurrency') !== undefined
  const given = (flags: readonly Flag[]) => flags.filter((flag) => text(flag) !== undefined)

  let plan: TrafficPlanInput
  const common = {
    url,
    ...(text('path') !== undefined && { path: text('path') }),
    ...(text('duration') !== undefined && { durationSeconds: number('duration') }),
    ...(text('max-requests') !== undefined && { maxRequests: number('max-requests') }),
    ...(text('timeout') !== undefined && { timeoutSeconds: number('timeout') }),
  }
  if (closed) {
    const stray = given([...PATTERN_ONLY, 'max-in-flight'])
    if (text('pattern') !== undefined || stray.length > 0) {
      const flags = [...(text('pattern') !== undefined ? ['pattern'] : []), ...stray]
      return error(
        `--concurrency runs a closed loop; ${flags.map((f) => `--${f}`).join(', ')} only apply to an open loop`,
      )
    }
    plan = { ...common, mode: 'closed', concurrency: number('concurrency') }
  } else {
    const kind = text('pattern') ?? 'steady'
    if (!(PATTERNS as readonly string[]).includes(kind)) {
      return error(`--pattern must be one of ${PATTERNS.join(', ')}, got '${kind}'`)
    }
    const pattern = kind as (typeof PATTERNS)[number]
    const stray = given(PATTERN_ONLY).filter((flag) => !PATTERN_FLAGS[pattern].includes(flag))
    if (stray.length > 0) return error(`--${stray[0]} does not apply to --pattern ${pattern}`)
    const required = pattern === 'trace' ? 'trace' : 'rate'
    if (text(required) === undefined) return error(`--pattern ${pattern} needs --${required}`)
    if (pattern === 'ramp' && text('to') === undefined)
      return error('--pattern ramp needs --to (the final rate)')
    if (pattern !== 'trace' && text('duration') === undefined) return error('--duration is required')
    const optional = (key: string, flag: Flag) => (text(flag) !== undefined ? { [key]: number(flag) } : {})
    let csv = ''
    if (pattern === 'trace') {
      const file = text('trace') as string
      try {
        csv = readText(file)
      } catch (cause) {
        return error(`cannot read the trace ${file}: ${(cause as Error).message}`)
      }
    }
    const patterns = {
      steady: () => ({ kind: 'steady', rate: number('rate') }),
      ramp: () => ({ kind: 'ramp', from: number('rate'), to: number('to') }),
      spike: () => ({
        kind: 'spike',
        rate: number('rate'),
        ...optional('factor', 'factor'),
        ...optional('atSeconds', 'at'),
        ...optional('lengthSeconds', 'length'),
      }),
      step: () => ({
        kind: 'step',
        rate: number('rate'),
        ...optional('to', 'to'),
        ...optional('atSeconds', 'at'),
      }),
      trace: () => ({
        kind: 'trace',
        csv,
        source: basename(text('trace') as string),
        ...optional('compress', 'compress'),
      }),
    }
    plan = {
      ...common,
      mode: 'open',
      pattern: patterns[pattern]() as TrafficPlanInput['pattern'],
      ...(text('max-in-flight') !== undefined && { maxInFlight: number('max-in-flight') }),
    }
  }
  if (badNumber) return error(badNumber)
  const checked = TrafficPlan.safeParse(plan)
  const issue = checked.error?.issues[0]
  if (issue) {
    const flag = FLAG_OF[issue.path.join('.')]
    return error(flag ? `--${flag} ${issue.message}` : describeIssues([issue]))
  }
  return { kind: 'run', plan }
}
