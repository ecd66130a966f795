import { describe, expect, it } from 'vitest'
import { DEFAULT_BALANCER_SETTINGS } from '../src/shared/balancer'
import { defaultPolicy } from '../src/shared/policy'
import { byteSize, parseAgentArgs } from './config'

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) =>
  parseAgentArgs(
    argv,
    env,
    (path) => {
      const text = files[path]
      if (text === undefined) throw new Error('ENOENT: no such file')
      return text
    },
    2,
  )

describe('parseAgentArgs', () => {
  it('keeps the key beside the config file, in the state directory, or where --key-file says', () => {
    const keyFile = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
      const parsed = parse(['--name', 'vm-7', ...argv], env, { '/etc/acs/config.json': '{}' })
      return parsed.kind === 'run' ? parsed.config.keyFile : parsed
    }
    expect(keyFile(['--config', '/etc/acs/config.json'])).toBe('/etc/acs/agent.key')
    expect(keyFile([], { XDG_STATE_HOME: '/var/state' })).toBe('/var/state/acs-vmm-agent/vm-7.key')
    expect(keyFile(['--key-file', '/k/a.key'], { ACS_AGENT_KEY_FILE: '/k/b.key' })).toBe('/k/a.key')
    expect(keyFile([], { ACS_AGENT_KEY_FILE: '/k/b.key' })).toBe('/k/b.key')
  })

  it('needs only a name and defaults to standalone Docker with a 0.5-CPU, 256 MiB container size', () => {
    expect(parse(['--name', 'lab-1'], { HOME: '/home/u' })).toEqual({
      kind: 'run',
      config: {
        name: 'lab-1',
        cluster: 'standalone',
        vim: undefined,
        token: undefined,
        caFingerprint: undefined,
        keyFile: '/home/u/.local/state/acs-vmm-agent/lab-1.key',
        capacity: 4,
        cpusPerContainer: 0.5,
        cpuPeriodMs: undefined,
        memoryPerContainerBytes: 256 * 2 ** 20,
        requestCpuMs: undefined,
        runtime: 'docker',
        dockerHost: 'unix:///var/run/docker.sock',
        image: undefined,
        lbHost: '0.0.0.0',
        lbPort: 8000,
        trustedProxies: [],
        network: 'bridge',
        standalone: true,
        minReplicas: 1,
        cleanupOnExit: false,
        loopIntervalSeconds: 1,
        policy: defaultPolicy({ minReplicas: 1, maxReplicas: 4 }),
        balancer: DEFAULT_BALANCER_SETTINGS,
        dataPlane: 'embedded',
      },
    })
  })

  it('takes flags over environment over the config file', () => {
    const parsed = parse(
      ['--name', 'vm-a', '--lb-port', '9001', '--config', '/etc/acs.json'],
      { ACS_AGENT_LB_PORT: '9002', ACS_AGENT_CAPACITY: '3', ACS_AGENT_CLEANUP_ON_EXIT: '1' },
      {
        '/etc/acs.json': JSON.stringify({
          'lb-port': 9003,
          capacity: 5,
          runtime: 'process',
          vim: 'ws://10.0.0.1:17070',
          token: 'j',
        }),
      },
    )
    expect(parsed.kind === 'run' && parsed.config).toMatchObject({
      lbPort: 9001,
      capacity: 3,
      runtime: 'process',
      vim: 'ws://10.0.0.1:17070',
      token: 'j',
      standalone: false,
      cleanupOnExit: true,
    })
  })

  it('ignores --vim in standalone mode', () => {
    const parsed = parse(['--name', 'a', '--vim', 'ws://h:1', '--token', 't', '--standalone'])
    expect(parsed.kind === 'run' && parsed.config).toMatchObject({ vim: undefined, standalone: true })
  })

  it.each([
    [[], /--name is required/],
    [['--name', 'bad name'], /--name 'bad name' must be letters/],
    [['--name', 'a', '--bogus'], /Unknown option '--bogus'/],
    [['--name', 'a', '--runtime', 'lxc'], /--runtime must be docker or process, not 'lxc'/],
    [['--name', 'a', '--network', 'overlay'], /--network must be bridge or host/],
    [['--name', 'a', '--vim', 'http://x:1', '--token', 't'], /--vim must look like ws:\/\/HOST:PORT/],
    [['--name', 'a', '--vim', 'ws://x:1'], /--vim needs --token/],
    [['--name', 'a', '--capacity', '0'], /--capacity must be a whole number from 1 to 256/],
    [['--name', 'a', '--cpus-per-container', 'lots'], /--cpus-per-container must be a number/],
    [['--name', 'a', '--memory-per-container', '1k'], /at least 6m/],
    [
      ['--name', 'a', '--min-replicas', '9', '--capacity', '4'],
      /--min-replicas must be a whole number from 1 to 4/,
    ],
    [['--name', 'a', '--config', '/missing.json'], /cannot read config file \/missing.json/],
    [['--name', 'a', '--policy', '{oops'], /--policy must be JSON/],
    [['--name', 'a', '--policy', '{"targetUtilization":2}'], /--policy: targetUtilization/],
    [['--name', 'a', '--loop-interval', '0'], /--loop-interval must be a number from 0.01 to 60/],
    [['--name', 'a', '--request-cpu-ms=-1'], /--request-cpu-ms must be a number from 0/],
    [
      ['--name', 'a', '--cpus-per-container', '0.1', '--cpu-period-ms', '5'],
      /0.5 ms of CPU per period, below the kernel's minimum of 1 ms: use a period of at least 10 ms/,
    ],
    [['--name', 'a', '--balancer', '{"slowStartMs":-1}'], /--balancer: slowStartMs: /],
    [['--name', 'a', '--balancer', 'round-robin'], /--balancer must be JSON/],
    [
      ['--name', 'a', '--policy', '{"intervalSeconds":1e300}'],
      /--policy: intervalSeconds must be at most 3,600 seconds/,
    ],
    [['--name', 'a', '--policy', '{"targetUtilisation":0.5}'], /--policy: unknown setting targetUtilisation/],
    [
      ['--name', 'a', '--balancer', '{"maxEjectionMs":1e12}'],
      /--balancer: maxEjectionMs: maxEjectionMs must be at most 3,600,000 ms/,
    ],
    [
      ['--name', 'a', '--balancer', '{"algorithm":"random","weights":1}'],
      /--balancer: settings: unknown setting weights/,
    ],
    [['--name', 'a', '--trusted-proxies', '10.0.0.0/33'], /--trusted-proxies: "10.0.0.0\/33" is not an IP/],
    [['--name', 'a', '--trusted-proxies', 'vim.lan'], /--trusted-proxies: "vim.lan" is not an IP/],
  ])('refuses %j', (argv, message) => {
    const parsed = parse(argv)
    expect(parsed.kind).toBe('error')
    expect(parsed.kind === 'error' && parsed.message).toMatch(message)
  })

  it("applies policy overrides within the VM's bounds, from a flag or a config-file object", () => {
    const fromFlag = parse(['--name', 'a', '--policy', '{"scaleDown":{"stabilizationSeconds":10}}'])
    expect(fromFlag.kind === 'run' && fromFlag.config.policy).toMatchObject({
      minReplicas: 1,
      maxReplicas: 4,
      scaleDown: { stabilizationSeconds: 10 },
    })
    const fromFile = parse(
      ['--name', 'a', '--config', 'c.json'],
      {},
      { 'c.json': '{"policy":{"targetUtilization":0.5}}' },
    )
    expect(fromFile.kind === 'run' && fromFile.config.policy.targetUtilization).toBe(0.5)
  })

  it('takes the settings a time-compressed run shortens: loop, CPU period, request cost, slow start', () => {
    const parsed = parse([
      '--name',
      'a',
      '--cpus-per-container',
      '0.1',
      '--cpu-period-ms',
      '10',
      '--request-cpu-ms',
      '2',
      '--loop-interval',
      '0.1',
      '--balancer',
      '{"slowStartMs":1000}',
    ])
    expect(parsed.kind === 'run' && parsed.config).toMatchObject({
      cpusPerContainer: 0.1,
      cpuPeriodMs: 10,
      requestCpuMs: 2,
      loopIntervalSeconds: 0.1,
      balancer: { ...DEFAULT_BALANCER_SETTINGS, slowStartMs: 1000 },
    })
  })

  it('takes a list of trusted proxies: addresses and CIDR blocks, IPv4 or IPv6', () => {
    const parsed = parse(['--name', 'a', '--trusted-proxies', '10.0.0.5, 192.168.0.0/16,fd00::/8'])
    expect(parsed.kind === 'run' && parsed.config.trustedProxies).toEqual([
      '10.0.0.5',
      '192.168.0.0/16',
      'fd00::/8',
    ])
  })

  it('takes the cluster id from a flag, the environment or the config file, and checks it', () => {
    const cluster = (args: string[], env = {}, file?: string) => {
      const parsed = parseAgentArgs(args, env, () => file ?? '{}', 4)
      return parsed.kind === 'run' ? parsed.config.cluster : parsed.kind === 'error' && parsed.message
    }
    expect(cluster(['--name', 'a', '--cluster', 'c0ffee01'])).toBe('c0ffee01')
    expect(cluster(['--name', 'a'], { ACS_AGENT_CLUSTER: 'beef0002' })).toBe('beef0002')
    expect(cluster(['--name', 'a', '--config', 'c.json'], {}, '{"cluster":"abcd1234"}')).toBe('abcd1234')
    expect(cluster(['--name', 'a', '--cluster', 'Lab 1'])).toBe(
      "--cluster: cluster id 'Lab 1' must be 4 to 32 lower-case letters or digits",
    )
  })

  it('refuses unknown keys in the config file', () => {
    const parsed = parse(['--name', 'a', '--config', 'c.json'], {}, { 'c.json': '{"lb_port": 1}' })
    expect(parsed.kind === 'error' && parsed.message).toBe("config file c.json: unknown option 'lb_port'")
  })
})

describe('byteSize', () => {
  it.each([
    ['256m', 268435456],
    ['1g', 1073741824],
    ['1.5G', 1610612736],
    ['7340032', 7340032],
  ])('%s = %d bytes', (text, bytes) => {
    expect(byteSize('--memory', text)).toBe(bytes)
  })
})
