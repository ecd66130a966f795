import { describe, expect, it } from 'vitest'
import { DEFAULTS, parseVimArgs } from './cli'

describe('parseVimArgs', () => {
  it('uses loopback and the default ports when given nothing', () => {
    expect(parseVimArgs([])).toEqual({
      kind: 'run',
      options: { ...DEFAULTS, dataDir: undefined, lab: undefined, runtime: 'auto' },
    })
  })

  it('reads every documented option', () => {
    const parsed = parseVimArgs([
      '--host',
      '0.0.0.0',
      '--ui-port',
      '0',
      '--proxy-port',
      '9000',
      '--hub-port=9001',
      '--data-dir',
      '/tmp/x',
      '--lab',
      '3',
      '--lab-prefix',
      'shop',
      '--runtime',
      'process',
    ])
    expect(parsed).toEqual({
      kind: 'run',
      options: {
        host: '0.0.0.0',
        uiPort: 0,
        proxyPort: 9000,
        hubPort: 9001,
        dataDir: '/tmp/x',
        lab: 3,
        labPrefix: 'shop',
        runtime: 'process',
      },
    })
  })

  it('takes the data dir from ACS_DATA_DIR when no flag is given', () => {
    const parsed = parseVimArgs([], { ACS_DATA_DIR: '/srv/acs' })
    expect(parsed.kind === 'run' && parsed.options.dataDir).toBe('/srv/acs')
  })

  it.each([
    [['--bogus'], /Unknown option '--bogus'.*--help/],
    [['--ui-port', '70000'], /--ui-port must be a whole number from 0 to 65535, not '70000'/],
    [['--ui-port', '12ab'], /--ui-port must be a whole number/],
    [['--lab', '-1'], /--lab/],
    [['--lab', '99'], /--lab must be a whole number from 0 to 16/],
    [['--lab-prefix', 'my lab'], /--lab-prefix 'my lab' must be letters, digits/],
    [['--runtime', 'podman'], /--runtime must be one of auto, docker, process, not 'podman'/],
    [['--host', ''], /--host must not be empty/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('refuses %j with a clear message', (argv, message) => {
    const parsed = parseVimArgs(argv)
    expect(parsed.kind).toBe('error')
    expect(parsed.kind === 'error' && parsed.message).toMatch(message)
  })

  it('asks for help', () => {
    expect(parseVimArgs(['-h'])).toEqual({ kind: 'help' })
  })
})
