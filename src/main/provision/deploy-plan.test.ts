import { describe, expect, it } from 'vitest'
import { describeHost, diskShortage, hubUrlForHost, installLayout, planDocker, planNode } from './deploy-plan'
import type { HostProbe } from './host-probe'
import type { RuntimeLookup } from './node-runtime'

function probe(
  overrides: Partial<Omit<HostProbe, 'docker'>> & { docker?: Partial<HostProbe['docker']> } = {},
): HostProbe {
  const base: HostProbe = {
    os: { id: 'debian', name: 'Debian GNU/Linux 12 (bookworm)' },
    arch: 'x86_64',
    user: 'acs',
    home: '/home/acs',
    sudo: true,
    systemd: false,
    apt: true,
    missingTools: [],
    docker: { cli: '/usr/bin/docker', userEngine: '26.1', rootEngine: '26.1', socket: true, inGroup: true },
    node: { path: null, version: null, major: null },
    freeKb: { root: 10_000_000, home: 10_000_000, tmp: 10_000_000 },
    installed: { root: null, home: null, systemdUnit: false },
  }
  return { ...base, ...overrides, docker: { ...base.docker, ...overrides.docker } }
}
const where = { host: '10.77.0.2', user: 'acs' }

describe('installLayout', () => {
  it.each([
    [
      { sudo: true, systemd: true },
      { kind: 'root', dir: '/opt/auto-cloud-scaler', sudo: true, service: 'systemd' },
    ],
    [
      { sudo: true, systemd: false },
      { kind: 'root', dir: '/opt/auto-cloud-scaler', sudo: true, service: 'supervisor' },
    ],
    [
      { sudo: false, systemd: true },
      { kind: 'home', dir: '/home/acs/.auto-cloud-scaler', sudo: false, service: 'supervisor' },
    ],
  ])('%j → %j', (facts, layout) => {
    expect(installLayout(probe(facts))).toEqual(layout)
  })
})

describe('planDocker', () => {
  const noDocker = { cli: null, userEngine: null, rootEngine: null, socket: false, inGroup: false }
  it.each([
    ['root can use the engine', probe(), false, { kind: 'ready', detail: 'Docker 26.1 (used as root)' }],
    [
      'the user can use it, no sudo',
      probe({ sudo: false, docker: { rootEngine: null } }),
      false,
      { kind: 'ready' },
    ],
    ['missing, sudo, install asked', probe({ docker: noDocker }), true, { kind: 'install' }],
    [
      'a CLI but no engine at all counts as missing',
      probe({ docker: { ...noDocker, cli: '/usr/bin/docker' } }),
      true,
      { kind: 'install' },
    ],
  ])('%s', (_, facts, installDocker, plan) => {
    expect(planDocker(facts, where, installDocker)).toMatchObject(plan)
  })

  it.each([
    [
      'missing and no sudo',
      probe({ sudo: false, docker: noDocker }),
      true,
      'Docker is not installed on 10.77.0.2 and acs has no sudo to install it: install docker.io there, or deploy as a user with sudo',
    ],
    [
      'missing, sudo, install not asked',
      probe({ docker: noDocker }),
      false,
      "Docker is not installed on 10.77.0.2: deploy again with 'install Docker' ticked, or install docker.io there",
    ],
    [
      'missing on a host without apt',
      probe({ docker: noDocker, apt: false, os: { id: 'alpine', name: 'Alpine Linux' } }),
      true,
      'Docker is not installed on 10.77.0.2, and Alpine Linux has no apt-get to install it with: install Docker there and deploy again',
    ],
    [
      'present but the user is not in group docker and has no sudo',
      probe({ sudo: false, docker: { userEngine: null, rootEngine: null, inGroup: false } }),
      false,
      "acs cannot use Docker on 10.77.0.2 (not in group 'docker') and has no sudo: run 'sudo usermod -aG docker acs' there, or deploy as a user with sudo",
    ],
    [
      'present, in group docker, engine down',
      probe({ sudo: false, docker: { userEngine: null, rootEngine: null } }),
      false,
      "acs is in group 'docker' on 10.77.0.2 but the engine does not answer: ask an administrator to start Docker there",
    ],
    [
      'present with sudo but the engine is down',
      probe({ docker: { userEngine: null, rootEngine: null } }),
      true,
      'Docker is installed on 10.77.0.2 but its engine does not answer: start it (sudo systemctl start docker) and deploy again',
    ],
  ])('fails when %s', (_, facts, installDocker, message) => {
    expect(planDocker(facts, where, installDocker)).toEqual({ kind: 'fail', message })
  })
})

describe('planNode', () => {
  const vimNode: RuntimeLookup = {
    ok: true,
    runtime: { path: '/usr/bin/node', version: 'v20.20.2', arch: 'x64' },
  }
  it('uses a Node ≥ 18 that the host has', () => {
    const facts = probe({ node: { path: '/usr/bin/node', version: 'v18.19.1', major: 18 } })
    expect(planNode(facts, where, vimNode)).toEqual({
      kind: 'host',
      path: '/usr/bin/node',
      version: 'v18.19.1',
    })
  })
  it.each([
    ['no Node', probe(), 'Node.js is not installed'],
    [
      'an old Node',
      probe({ node: { path: '/usr/bin/node', version: 'v16.20.2', major: 16 } }),
      'Node v16.20.2 at /usr/bin/node is older than 18',
    ],
  ])('uploads the VIM’s own Node when the host has %s', (_, facts, reason) => {
    expect(planNode(facts, where, vimNode)).toEqual({
      kind: 'upload',
      runtime: vimNode.ok && vimNode.runtime,
      reason,
    })
  })
  it('refuses to upload a runtime for another CPU', () => {
    expect(planNode(probe({ arch: 'aarch64' }), where, vimNode)).toEqual({
      kind: 'fail',
      message: "10.77.0.2 is aarch64 but this VIM's Node runtime is x86_64: install Node.js ≥ 18 on the host",
    })
  })
  it('says what to do when the VIM has no runtime to upload', () => {
    const plan = planNode(probe(), where, {
      ok: false,
      message: 'This VIM has no Node.js ≥ 18 to upload (set ACS_NODE_RUNTIME to a Node binary)',
    })
    expect(plan).toEqual({
      kind: 'fail',
      message:
        'Node.js is not installed on 10.77.0.2. This VIM has no Node.js ≥ 18 to upload (set ACS_NODE_RUNTIME to a Node binary), or install Node.js ≥ 18 on the host',
    })
  })
})

describe('hubUrlForHost', () => {
  it.each([
    [
      { boundHost: '0.0.0.0', port: 7070 },
      { localAddress: '10.77.0.1', remoteAddress: '10.77.0.2' },
      'wss://10.77.0.1:7070',
    ],
    [
      { boundHost: '::', port: 7070 },
      { localAddress: '::ffff:10.77.0.1', remoteAddress: '::ffff:10.77.0.2' },
      'wss://10.77.0.1:7070',
    ],
    [
      { boundHost: '::', port: 7070 },
      { localAddress: 'fd00::1', remoteAddress: 'fd00::2' },
      'wss://[fd00::1]:7070',
    ],
    [
      { boundHost: '10.77.0.1', port: 7070 },
      { localAddress: '10.77.0.1', remoteAddress: '10.77.0.2' },
      'wss://10.77.0.1:7070',
    ],
    [
      { boundHost: '192.168.56.1', port: 7070 },
      { localAddress: '10.77.0.1', remoteAddress: '10.77.0.2' },
      'wss://192.168.56.1:7070',
    ],
    [
      { boundHost: '127.0.0.1', port: 7070 },
      { localAddress: '127.0.0.1', remoteAddress: '127.0.0.1' },
      'wss://127.0.0.1:7070',
    ],
  ])('%j seen over %j → %s', (hub, ssh, url) => {
    expect(hubUrlForHost(hub, ssh, '10.77.0.2')).toEqual({ ok: true, url })
  })

  it('refuses a loopback-only hub for a host that is not this machine', () => {
    expect(
      hubUrlForHost(
        { boundHost: '127.0.0.1', port: 7070 },
        { localAddress: '10.77.0.1', remoteAddress: '10.77.0.2' },
        '10.77.0.2',
      ),
    ).toEqual({
      ok: false,
      message:
        "The VIM's hub listens on 127.0.0.1 only; start the VIM with --host 0.0.0.0 (or an address 10.77.0.2 can reach)",
    })
  })
})

describe('diskShortage', () => {
  const mb = 2 ** 20
  it('passes when the files and a margin fit', () => {
    expect(diskShortage(probe(), installLayout(probe()), 100 * mb, where)).toBeNull()
  })
  it('names the directory, what is free and what is needed', () => {
    const facts = probe({ freeKb: { root: 50 * 1024, home: null, tmp: null } })
    expect(diskShortage(facts, installLayout(facts), 100 * mb, where)).toBe(
      '10.77.0.2 has 50 MB free for /opt/auto-cloud-scaler; the agent needs about 164 MB: free some space and deploy again',
    )
  })
  it('checks the temp directory where sudo installs stage their files', () => {
    const facts = probe({ freeKb: { root: null, home: null, tmp: 1024 } })
    expect(diskShortage(facts, installLayout(facts), mb, where)).toMatch(/free in its temp directory/)
  })
})

describe('describeHost', () => {
  it('sums up the facts that shaped the plan', () => {
    const facts = probe({
      installed: {
        root: { dir: '/opt/auto-cloud-scaler', version: '0.1.0' },
        home: null,
        systemdUnit: false,
      },
    })
    expect(describeHost(facts, installLayout(facts))).toBe(
      'Debian GNU/Linux 12 (bookworm), x86_64; passwordless sudo; no systemd; no Node.js; agent 0.1.0 installed in /opt/auto-cloud-scaler; installs in /opt/auto-cloud-scaler',
    )
  })
})
