import { describe, expect, it } from 'vitest'
import { parseTrafficArgs } from './cli-args'

const url = ['--url', 'http://127.0.0.1:18080']
const files: Record<string, string> = { 'day.csv': '0,5\n10,20\n' }
const parse = (...argv: string[]) =>
  parseTrafficArgs(argv, (file) => {
    const text = files[file]
    if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`)
    return text
  })

describe('parseTrafficArgs', () => {
  it.each<[string, string[], object]>([
    [
      'steady by default',
      [...url, '--rate', '50', '--duration', '10'],
      { mode: 'open', pattern: { kind: 'steady', rate: 50 }, durationSeconds: 10 },
    ],
    [
      'a ramp',
      [...url, '--pattern', 'ramp', '--rate', '10', '--to', '100', '--duration', '60'],
      { pattern: { kind: 'ramp', from: 10, to: 100 } },
    ],
    [
      'a spike with its options',
      [
        ...url,
        '--pattern',
        'spike',
        '--rate',
        '10',
        '--factor',
        '4',
        '--at',
        '5',
        '--length',
        '2',
        '--duration',
        '20',
      ],
      { pattern: { kind: 'spike', rate: 10, factor: 4, atSeconds: 5, lengthSeconds: 2 } },
    ],
    [
      'a step',
      [...url, '--pattern', 'step', '--rate', '10', '--to', '30', '--duration', '20'],
      { pattern: { kind: 'step', rate: 10, to: 30 } },
    ],
    [
      'a trace, compressed, with no duration',
      [...url, '--pattern', 'trace', '--trace', 'day.csv', '--compress', '5'],
      { pattern: { kind: 'trace', csv: files['day.csv'], compress: 5, source: 'day.csv' } },
    ],
    [
      'sessions in a closed loop',
      [...url, '--concurrency', '4', '--duration', '30', '--path', '/session?seconds=5'],
      { mode: 'closed', concurrency: 4, path: '/session?seconds=5' },
    ],
    [
      'the bounds',
      [
        ...url,
        '--rate',
        '5',
        '--duration',
        '1',
        '--max-requests',
        '3',
        '--max-in-flight',
        '2',
        '--timeout',
        '1.5',
      ],
      { maxRequests: 3, maxInFlight: 2, timeoutSeconds: 1.5 },
    ],
  ])('reads %s', (_name, argv, plan) => {
    expect(parse(...argv)).toEqual({ kind: 'run', plan: expect.objectContaining(plan) })
  })

  it('answers --help and -h', () => {
    expect(parse('--help')).toEqual({ kind: 'help' })
    expect(parse('-h', '--rate', 'x')).toEqual({ kind: 'help' })
  })

  it.each<[string, string[], string]>([
    ['no URL', ['--rate', '5', '--duration', '1'], '--url is required'],
    ['an unknown flag', [...url, '--rps', '5'], "Unknown option '--rps'"],
    ['a stray argument', [...url, 'fast'], "Unexpected argument 'fast'"],
    [
      'a word for a number',
      [...url, '--rate', 'fast', '--duration', '1'],
      "--rate must be a number, got 'fast'",
    ],
    [
      'a zero rate',
      [...url, '--rate', '0', '--duration', '1'],
      '--rate must be more than 0 requests per second',
    ],
    ['a rate too high', [...url, '--rate', '1e6', '--duration', '1'], '--rate must be at most 10000'],
    ['no duration', [...url, '--rate', '5'], '--duration is required'],
    [
      'a negative duration',
      [...url, '--rate', '5', '--duration=-1'],
      '--duration must be at least 0 seconds',
    ],
    ['no rate', [...url, '--duration', '5'], '--pattern steady needs --rate'],
    ['a ramp without its end', [...url, '--pattern', 'ramp', '--rate', '1', '--duration', '5'], 'needs --to'],
    [
      'an unknown pattern',
      [...url, '--pattern', 'wave', '--rate', '1'],
      "--pattern must be one of steady, ramp, spike, step, trace, got 'wave'",
    ],
    [
      'a flag of another pattern',
      [...url, '--rate', '5', '--factor', '3', '--duration', '5'],
      '--factor does not apply to --pattern steady',
    ],
    ['a trace without its file', [...url, '--pattern', 'trace'], '--pattern trace needs --trace'],
    [
      'a missing trace file',
      [...url, '--pattern', 'trace', '--trace', 'nope.csv'],
      'cannot read the trace nope.csv: ENOENT',
    ],
    [
      'both loops',
      [...url, '--concurrency', '2', '--rate', '5', '--duration', '5'],
      '--concurrency runs a closed loop; --rate only apply',
    ],
    [
      'fractional users',
      [...url, '--concurrency', '1.5', '--duration', '5'],
      '--concurrency must be a whole number',
    ],
    [
      'a path without its slash',
      [...url, '--rate', '5', '--duration', '5', '--path', 'session'],
      "--path must start with '/'",
    ],
  ])('refuses %s in one line', (_name, argv, message) => {
    const parsed = parse(...argv)
    expect(parsed.kind).toBe('error')
    const text = parsed.kind === 'error' ? parsed.message : ''
    expect(text).toContain(message)
    expect(text).toMatch(/\(see --help\)$/)
    expect(text).not.toContain('\n')
  })
})
