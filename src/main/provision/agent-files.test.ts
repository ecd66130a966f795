import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAgentArgs } from '../../../vmm-agent/config'
import { findResourcesDir, renderAgentConfig, renderSystemdUnit, UNIT_TEMPLATE_FILE } from './agent-files'

const configInput = {
  vmName: 'lab-host-1',
  clusterId: 'c0ffee01',
  hubUrl: 'wss://10.77.0.1:7070',
  token: 'join-token-secret',
  caFingerprint: 'SHA256:abcd',
  cpusPerContainer: 0.5,
  memoryPerContainer: '256m',
}

describe('renderAgentConfig', () => {
  it('is a config the agent itself accepts, with the settings a deployed agent needs', () => {
    const text = renderAgentConfig({ ...configInput, capacity: 3 })
    const parsed = parseAgentArgs(['--config', '/opt/acs/agent.json'], {}, () => text, 4)
    if (parsed.kind !== 'run') throw new Error(JSON.stringify(parsed))
    expect(parsed.config).toMatchObject({
      name: 'lab-host-1',
      cluster: 'c0ffee01',
      vim: 'wss://10.77.0.1:7070',
      token: 'join-token-secret',
      caFingerprint: 'SHA256:abcd',
      capacity: 3,
      cpusPerContainer: 0.5,
      memoryPerContainerBytes: 256 * 2 ** 20,
      runtime: 'docker',
      network: 'host',
      lbHost: '0.0.0.0',
      lbPort: 8000,
      standalone: false,
    })
  })

  it('leaves the capacity to the agent (cores ÷ CPU per container) when the host has none set', () => {
    const text = renderAgentConfig(configInput)
    expect(JSON.parse(text)).not.toHaveProperty('capacity')
    const parsed = parseAgentArgs(['--config', 'x'], {}, () => text, 4)
    expect(parsed.kind === 'run' && parsed.config.capacity).toBe(8)
  })
})

describe('renderSystemdUnit', () => {
  const template = readFileSync(join(findResourcesDir(), UNIT_TEMPLATE_FILE), 'utf8')

  it('fills in the node, the bundle and the config of the install directory', () => {
    const unit = renderSystemdUnit(template, {
      vmName: 'lab-1',
      dir: '/opt/auto-cloud-scaler',
      node: '/usr/bin/node',
    })
    expect(unit).toContain(
      'ExecStart=/usr/bin/node /opt/auto-cloud-scaler/vmm-agent.mjs --config /opt/auto-cloud-scaler/agent.json',
    )
    expect(unit).toContain('Description=Auto Cloud Scaler VMM agent (lab-1)')
    expect(unit).toContain('Restart=always')
    expect(unit).toContain('WantedBy=multi-user.target')
    expect(unit).not.toMatch(/@[A-Z_]+@/)
  })

  it.each([
    ['a path with a space', { node: '/home/my user/node' }],
    ['a systemd specifier', { node: '/opt/%h/node' }],
    ['a variable', { dir: '/opt/$X' }],
    ['a newline in the name', { vmName: 'a\nExecStartPre=/bin/sh' }],
  ])('refuses %s', (_, override) => {
    expect(() =>
      renderSystemdUnit(template, {
        vmName: 'vm',
        dir: '/opt/auto-cloud-scaler',
        node: '/usr/bin/node',
        ...override,
      }),
    ).toThrow(/cannot write a systemd unit/)
  })
})
