import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { nodeMajor, PROBE_SCRIPT, parseProbe } from './host-probe'

const debianWithDocker = `probe=1
os.id=debian
os.name=Debian GNU/Linux 12 (bookworm)
kernel=Linux
arch=x86_64
user=acs
home=/home/acs
sudo=yes
systemd=no
apt=yes
tools.missing=
docker.cli=/usr/bin/docker
docker.user=26.1.5
docker.root=26.1.5
docker.socket=yes
docker.group=yes
node.path=/usr/bin/node
node.version=v20.19.0
disk.root=1048576
disk.home=2097152
disk.tmp=524288
install.root=yes
install.root.version=0.1.0
end=1
`

describe('parseProbe', () => {
  it('reads every fact of a Debian host with Docker and Node', () => {
    const result = parseProbe(debianWithDocker)
    expect(result).toEqual({
      ok: true,
      probe: {
        os: { id: 'debian', name: 'Debian GNU/Linux 12 (bookworm)' },
        arch: 'x86_64',
        user: 'acs',
        home: '/home/acs',
        sudo: true,
        systemd: false,
        apt: true,
        missingTools: [],
        docker: {
          cli: '/usr/bin/docker',
          userEngine: '26.1.5',
          rootEngine: '26.1.5',
          socket: true,
          inGroup: true,
        },
        node: { path: '/usr/bin/node', version: 'v20.19.0', major: 20 },
        freeKb: { root: 1048576, home: 2097152, tmp: 524288 },
        installed: {
          root: { dir: '/opt/auto-cloud-scaler', version: '0.1.0' },
          home: null,
          systemdUnit: false,
        },
      },
    })
  })

  it.each([
    [
      'a host without Docker or Node',
      { 'docker.cli': '', 'docker.user': '', 'docker.root': '', 'node.path': '' },
    ],
    ['a hidden Node that exits 127', { 'node.version': '' }],
  ])('reads %s', (_, overrides) => {
    const text = Object.entries(overrides).reduce(
      (out, [key, value]) =>
        out.replace(new RegExp(`^${key.replace('.', '\\.')}=.*$`, 'm'), `${key}=${value}`),
      debianWithDocker,
    )
    const result = parseProbe(text)
    if (!result.ok) throw new Error(result.message)
    if ('docker.cli' in overrides) expect(result.probe.docker).toMatchObject({ cli: null, userEngine: null })
    if ('node.version' in overrides) expect(result.probe.node).toMatchObject({ version: null, major: null })
  })

  it.each([
    ['an empty answer', '', /did not answer/],
    ['a cut-off answer', debianWithDocker.replace('end=1', ''), /did not answer/],
    ['no home', debianWithDocker.replace('home=/home/acs', 'home='), /home directory/],
    ['another system', debianWithDocker.replace('kernel=Linux', 'kernel=FreeBSD'), /FreeBSD, not Linux/],
  ])('refuses %s', (_, text, message) => {
    const result = parseProbe(text)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.message).toMatch(message)
  })

  it('drops an installed version that is not a plain version string', () => {
    const result = parseProbe(
      debianWithDocker.replace('install.root.version=0.1.0', 'install.root.version=$(x)'),
    )
    expect(result.ok && result.probe.installed.root).toEqual({ dir: '/opt/auto-cloud-scaler', version: null })
  })

  it('parses what the real script prints on this machine', () => {
    const output = execFileSync('sh', ['-c', PROBE_SCRIPT], { encoding: 'utf8', timeout: 60_000 })
    const result = parseProbe(output)
    if (!result.ok) throw new Error(`${result.message}\n${output}`)
    expect(result.probe.home).toMatch(/^\//)
    expect(result.probe.arch).not.toBe('unknown')
    expect(result.probe.missingTools).toEqual([])
  }, 60_000)
})

describe('nodeMajor', () => {
  it.each([
    ['v20.19.0', 20],
    ['v18.0.0', 18],
    ['16.20.2', 16],
    ['', null],
    [null, null],
    ['node: not found', null],
  ])('%j → %j', (version, major) => {
    expect(nodeMajor(version)).toBe(major)
  })
})
