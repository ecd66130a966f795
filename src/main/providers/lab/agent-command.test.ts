// The lab agent's command line, checked against the agent's own parser so that the two cannot drift.
import { describe, expect, it } from 'vitest'
import { parseAgentArgs } from '../../../../vmm-agent/config'
import {
  AGENT_PARENT_WATCHDOG,
  labAgentCommand,
  labAgentEnv,
  labAgentFlags,
  loadBalancerAddress,
  withoutTimestamp,
} from './agent-command'
import { type LabOptions, resolveLabSettings } from './lab-settings'

const TOKEN = 'join-7f3a9c-secret'
const FINGERPRINT = `SHA256:${'AB:'.repeat(31)}AB`
const settings = (options: Partial<LabOptions> = {}) =>
  resolveLabSettings({ agentBundle: '/opt/acs/dist/vmm-agent.mjs', ...options }, {}, '/opt/node/bin/node')
const joined = settings({ hubUrl: 'wss://10.0.0.1:7443', joinToken: TOKEN, caFingerprint: FINGERPRINT })

describe('labAgentCommand', () => {
  it('keeps the join token out of argv and hands it over in the environment', () => {
    const command = labAgentCommand(joined, 'lab-1', 'docker', { PATH: '/usr/bin' })
    expect(command.args.join(' ')).not.toContain(TOKEN)
    expect(command.args).not.toContain('--token')
    expect(command.env.ACS_AGENT_TOKEN).toBe(TOKEN)
  })

  it('gives the agent the key file the VIM made and pinned for its VM', () => {
    const command = labAgentCommand(joined, 'lab-1', 'docker', {}, '/data/lab-agents/lab-1.key')
    const parsed = parseAgentArgs(command.args.slice(3), command.env)
    expect(parsed).toMatchObject({ kind: 'run', config: { keyFile: '/data/lab-agents/lab-1.key' } })
  })

  it('runs the bundle with node, after the watchdog that ties the agent to the VIM', () => {
    const command = labAgentCommand(joined, 'lab-1', 'process', {})
    expect(command.file).toBe('/opt/node/bin/node')
    expect(command.args.slice(0, 3)).toEqual([
      '--import',
      AGENT_PARENT_WATCHDOG,
      '/opt/acs/dist/vmm-agent.mjs',
    ])
  })

  it('produces flags and environment the agent accepts, with the token it needs to join', () => {
    const command = labAgentCommand(joined, 'lab-3', 'docker', {})
    const parsed = parseAgentArgs(labAgentFlags(joined, 'lab-3', 'docker'), command.env, () => '{}', 2)
    expect(parsed).toMatchObject({
      kind: 'run',
      config: {
        name: 'lab-3',
        vim: 'wss://10.0.0.1:7443',
        token: TOKEN,
        caFingerprint: FINGERPRINT,
        standalone: false,
        runtime: 'docker',
        capacity: 4,
        cpusPerContainer: 0.25,
        memoryPerContainerBytes: 128 * 2 ** 20,
        lbHost: '127.0.0.1',
        lbPort: 0,
        cleanupOnExit: true,
      },
    })
  })

  it('passes the data plane on to the agents, which accept it', () => {
    const lab = settings({ dataPlane: 'haproxy' })
    const parsed = parseAgentArgs(labAgentFlags(lab, 'lab-1', 'docker'), {}, () => '{}', 2)
    expect(parsed).toMatchObject({ kind: 'run', config: { dataPlane: 'haproxy' } })
    expect(labAgentFlags(settings({ dataPlane: 'embedded' }), 'lab-1', 'docker')).not.toContain(
      '--data-plane',
    )
  })

  it('runs the agents standalone when there is no hub yet, with no token at all', () => {
    const lab = settings()
    const flags = labAgentFlags(lab, 'lab-1', 'process')
    expect(flags).toContain('--standalone')
    expect(flags).not.toContain('--vim')
    expect(labAgentEnv({}, lab, false).ACS_AGENT_TOKEN).toBeUndefined()
    expect(parseAgentArgs(flags, {}, () => '{}', 2)).toMatchObject({
      kind: 'run',
      config: { standalone: true, vim: undefined, runtime: 'process' },
    })
  })

  it('asks the agent to remove its containers on SIGTERM, even when they are kept (kept ones get another signal)', () => {
    expect(labAgentFlags(settings(), 'lab-1', 'docker')).toContain('--cleanup-on-exit')
    expect(labAgentFlags(settings({ keepContainers: true }), 'lab-1', 'docker')).toContain(
      '--cleanup-on-exit',
    )
  })

  it('passes the Docker address to Docker agents only, since the agent does not read DOCKER_HOST', () => {
    const lab = resolveLabSettings({ agentBundle: '/b.mjs' }, { DOCKER_HOST: 'tcp://127.0.0.1:2375' })
    expect(labAgentFlags(lab, 'lab-1', 'docker')).toEqual(
      expect.arrayContaining(['--docker-host', 'tcp://127.0.0.1:2375']),
    )
    expect(labAgentFlags(lab, 'lab-1', 'process')).not.toContain('--docker-host')
    expect(labAgentFlags(settings(), 'lab-1', 'docker')).not.toContain('--docker-host')
  })

  it("drops the VIM's own ACS_AGENT_* variables, which the agent would read as options", () => {
    const env = labAgentEnv(
      {
        PATH: '/usr/bin',
        ACS_AGENT_RUNTIME: 'docker',
        ACS_AGENT_CONFIG: '/etc/x.json',
        ACS_AGENT_TOKEN: 'old',
      },
      joined,
      false,
    )
    expect(env).toEqual({ PATH: '/usr/bin', ACS_AGENT_TOKEN: TOKEN })
  })

  it("passes on only what running a program needs: never the VIM's API token or other secrets", () => {
    const env = labAgentEnv(
      {
        PATH: '/usr/bin',
        HOME: '/home/me',
        LANG: 'C.UTF-8',
        ACS_TOKEN: 'the-vim-api-token',
        AWS_SECRET_ACCESS_KEY: 'secret',
        SSH_AUTH_SOCK: '/tmp/ssh-agent.sock',
        NODE_OPTIONS: '--require /tmp/evil.js',
        DOCKER_HOST: 'tcp://127.0.0.1:2375',
      },
      joined,
      false,
    )
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/me', LANG: 'C.UTF-8', ACS_AGENT_TOKEN: TOKEN })
  })

  it("tells each agent its cluster, so that it touches only that cluster's containers", () => {
    const lab = resolveLabSettings({ agentBundle: '/b.mjs', cluster: 'c0ffee01' }, {})
    const flags = labAgentFlags(lab, 'lab-1', 'docker')
    expect(flags[flags.indexOf('--cluster') + 1]).toBe('c0ffee01')
    expect(() => resolveLabSettings({ agentBundle: '/b.mjs', cluster: 'No Id' }, {})).toThrow(
      "lab: cluster id 'No Id' must be 4 to 32 lower-case letters or digits",
    )
  })

  it('runs the Electron binary in Node mode when the VIM is Electron', () => {
    const inElectron = resolveLabSettings({ agentBundle: '/b.mjs' }, {})
    expect(labAgentEnv({}, inElectron, true).ELECTRON_RUN_AS_NODE).toBe('1')
    expect(labAgentEnv({}, inElectron, false).ELECTRON_RUN_AS_NODE).toBeUndefined()
    expect(labAgentEnv({}, settings(), true).ELECTRON_RUN_AS_NODE).toBeUndefined()
  })
})

describe('agent output', () => {
  const line =
    '2025-01-02T03:04:05.678Z vmm-agent lab-2 0.1.0: load balancer on http://127.0.0.1:41234/ ' +
    '(docker runtime, capacity 4, standalone)'

  it("finds the load balancer's address in the agent's start line", () => {
    expect(loadBalancerAddress(line)).toBe('127.0.0.1:41234')
    expect(loadBalancerAddress('container-started: lab-2-abc ready')).toBeUndefined()
  })

  it("drops the agent's timestamp, which the event log adds again", () => {
    expect(withoutTimestamp(line)).toMatch(/^vmm-agent lab-2 0\.1\.0: load balancer/)
    expect(withoutTimestamp('vmm-agent: --name is required')).toBe('vmm-agent: --name is required')
  })
})
