import { describe, expect, it } from 'vitest'
import { DEFAULTS, parseVimArgs } from './cli'

describe('parseVimArgs', () => {
  it('uses loopback and the default ports when given nothing', () => {
    expect(parseVimArgs([])).toEqual({
      kind: 'run',
      options: { ...DEFAULTS, dataDir: undefined, lab: undefined, runtime: undefined, allowedHosts: [] },
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
      '--allowed-host',
      'vim.lab.example',
      '--allowed-host=10.0.0.5',
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
        allowedHosts: ['vim.lab.example', '10.0.0.5'],
      },
    })
  })

  it('adds ACS_ALLOWED_HOSTS to --allowed-host, once each', () => {
    const parsed = parseVimArgs(['--allowed-host', 'a.example'], {
      ACS_ALLOWED_HOSTS: ' b.example, a.example,,[fe80::1]',
    })
    expect(parsed).toMatchObject({ options: { allowedHosts: ['a.example', 'b.example', '[fe80::1]'] } })
  })

  it.each(['http://a.example', 'a.example:8000', 'abc.de:80', 'a example'])(
    'refuses --allowed-host %s',
    (name) => {
      expect(parseVimArgs(['--allowed-host', name])).toEqual({
        kind: 'error',
        message: expect.stringContaining(`'${name}' is not a host name`),
      })
    },
  )

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
    [['--data-plane', 'nginx'], /--data-plane must be one of embedded, haproxy, not 'nginx'/],
    [['extra'], /Unexpected argument 'extra'/],
  ])('refuses %j with a clear message', (argv, message) => {
    const parsed = parseVimArgs(argv)
    expect(parsed.kind).toBe('error')
    expect(parsed.kind === 'error' && parsed.message).toMatch(message)
  })

  it('takes --data-plane, and leaves it to the settings when not given', () => {
    const parsed = parseVimArgs(['--data-plane', 'haproxy'])
    expect(parsed.kind === 'run' && parsed.options.dataPlane).toBe('haproxy')
    const plain = parseVimArgs([])
    expect(plain.kind === 'run' && plain.options.dataPlane).toBeUndefined()
  })

  it('asks for help', () => {
    expect(parseVimArgs(['-h'])).toEqual({ kind: 'help' })
  })
})
