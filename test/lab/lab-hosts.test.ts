// scripts/lab as the tests that deploy over SSH use it: two lab hosts, the second without Docker. Each is
// its own machine as far as an SSH session can tell (name, address, private /opt, no internet, its own
// engine or none, no Node), sudo is there for acs only, passwords and keys work, a rotated host key is
// a new one, and stop() leaves no namespace, interface, mount, process or state behind.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { docker, dockerAvailable } from '../support/docker'
import {
  connectLabHost,
  type Lab,
  type LabHost,
  type LabSession,
  type LabUser,
  labAvailable,
  runLabScript,
  startLab,
} from '../support/lab-hosts'
import { shouldRun } from '../support/services'

const available = labAvailable()
const run = shouldRun('ssh', available.ok, available.ok ? '' : available.reason)

/** Live and not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))
  } catch {
    return false
  }
}

describe.runIf(run)('lab hosts (scripts/lab)', () => {
  let lab: Lab
  let h1: LabHost
  let h2: LabHost
  const sessions = new Map<string, LabSession>()

  /** One SSH session per host and user, by key, reused across tests. */
  const on = async (host: LabHost, user: LabUser): Promise<LabSession> => {
    const key = `${host.name}/${user.user}`
    let session = sessions.get(key)
    if (!session) {
      session = await connectLabHost(host, user)
      sessions.set(key, session)
    }
    return session
  }
  const sh = async (host: LabHost, command: string, user: LabUser = lab.users.admin) =>
    (await on(host, user)).exec(command)

  beforeAll(async () => {
    lab = await startLab({ hosts: 2, noDocker: [2] })
    h1 = lab.hosts[0]!
    h2 = lab.hosts[1]!
  })

  afterAll(async () => {
    for (const session of sessions.values()) session.close()
    await lab?.stop()
  })

  it('describes each host: address on the lab subnet, fingerprint, Docker and Node as asked', () => {
    expect(lab.gateway).toMatch(/^10\.231\.\d+\.1$/)
    const prefix = lab.gateway.replace(/\.1$/, '')
    expect(lab.hosts).toMatchObject([
      { name: `${lab.name}-h1`, index: 1, address: `${prefix}.11`, sshPort: 22, docker: true, node: false },
      { name: `${lab.name}-h2`, index: 2, address: `${prefix}.12`, sshPort: 22, docker: false, node: false },
    ])
    expect(h1.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
    expect(h1.hostKeyFingerprint).not.toBe(h2.hostKeyFingerprint)
    expect(existsSync(h1.dockerSocket!)).toBe(true)
    expect(h2.dockerSocket).toBeUndefined()
    expect(lab.users.admin.user).toBe('acs')
    expect(lab.users.nosudo.user).toBe('acs-nosudo')
  })

  it('gives each host its own name and address', async () => {
    for (const [host, other] of [
      [h1, h2],
      [h2, h1],
    ] as const) {
      expect((await sh(host, 'hostname')).stdout.trim()).toBe(host.name)
      const addresses = (await sh(host, 'ip -4 -o addr show')).stdout
      expect(addresses).toContain(`inet ${host.address}/24`)
      expect(addresses).not.toContain(other.address)
    }
  })

  it('lets acs use sudo without a password and refuses acs-nosudo', async () => {
    expect((await sh(h1, 'sudo -n true')).code).toBe(0)
    const refused = await sh(h1, 'sudo -n true', lab.users.nosudo)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/password is required/)
    expect((await sh(h1, 'id -nG', lab.users.nosudo)).stdout).not.toMatch(/\bdocker\b/)
  })

  it('runs host 1 with its own Docker Engine and without Node', async () => {
    const info = await sh(h1, "docker info --format '{{.ID}} {{.Name}}'")
    expect(info.code, info.stderr).toBe(0)
    const [id, engineName] = info.stdout.trim().split(' ')
    expect(id).toMatch(/\S{10,}/)
    expect(engineName).toBe(h1.name)
    if (dockerAvailable) expect(id).not.toBe((await docker.info()).ID)
    const node = await sh(h1, 'node --version')
    expect(node.code).toBe(127)
    expect(node.stderr).toContain('node: command not found')
  })

  it('runs a host-network container with --cpus 0.25 that the machine reaches at the host address', async () => {
    // No registry: an image of four symbolic links, with the host's /usr mounted read-only.
    const server = `$s=IO::Socket::INET->new(LocalAddr=>"${h1.address}:18080",Listen=>5,ReuseAddr=>1) or die "listen: $!"; while($c=$s->accept){print $c "HTTP/1.0 200 OK\\r\\n\\r\\nhello from ${h1.name}\\n"; close $c}`
    const started = await sh(
      h1,
      [
        'cd "$(mktemp -d)"',
        'ln -s usr/bin bin && ln -s usr/sbin sbin && ln -s usr/lib lib && ln -s usr/lib64 lib64',
        'tar -cf - bin sbin lib lib64 | docker import - lab-probe:1 >/dev/null',
        `docker run -d --name probe --network host --cpus 0.25 -v /usr:/usr:ro lab-probe:1 /usr/bin/perl -MIO::Socket::INET -e '${server}'`,
      ].join(' && '),
    )
    expect(started.code, started.stderr).toBe(0)
    expect((await sh(h1, "docker inspect --format '{{.HostConfig.NanoCpus}}' probe")).stdout.trim()).toBe(
      '250000000',
    )
    let body = ''
    for (const deadline = Date.now() + 10_000; Date.now() < deadline && !body; ) {
      body = await fetch(`http://${h1.address}:18080/`, { signal: AbortSignal.timeout(1_000) })
        .then((response) => response.text())
        .catch(() => '')
      if (!body) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(body).toBe(`hello from ${h1.name}\n`)
  })

  it('has no Docker on host 2', async () => {
    const dockerCli = await sh(h2, 'docker info')
    expect(dockerCli.code).toBe(127)
    expect(dockerCli.stderr).toContain('docker: command not found')
    expect((await sh(h2, 'dockerd --version')).code).toBe(127)
    expect((await sh(h2, 'test -e /run/docker.sock')).code).toBe(1)
    expect((await sh(h2, 'node --version')).code).toBe(127)
  })

  it('keeps /opt, /tmp and home directories private to each host', async () => {
    const marker = `lab-probe-${lab.name}`
    expect(
      (
        await sh(
          h1,
          `sudo sh -c 'echo h1 > /opt/${marker}' && echo h1 > /tmp/${marker} && echo h1 > ~/${marker}`,
        )
      ).code,
    ).toBe(0)
    expect((await sh(h1, `cat /opt/${marker} /tmp/${marker} ~/${marker}`)).stdout).toBe('h1\nh1\nh1\n')
    expect((await sh(h2, `ls /opt/${marker} /tmp/${marker} ~/${marker}`)).code).not.toBe(0)
    expect(existsSync(`/opt/${marker}`)).toBe(false)
    const home = await sh(h2, 'stat -c %U:%a ~ && pwd')
    expect(home.stdout).toBe('acs:750\n/home/acs\n')
  })

  it('reaches the gateway but nothing outside the lab', async () => {
    const server = net.createServer((socket) => {
      socket.on('error', () => {})
      socket.end('hub\n')
    })
    await new Promise<void>((resolve) => server.listen(0, lab.gateway, resolve))
    try {
      const { port } = server.address() as net.AddressInfo
      const reached = await sh(h1, `exec 3<>/dev/tcp/${lab.gateway}/${port} && cat <&3`)
      expect(reached.stdout).toBe('hub\n')
    } finally {
      server.close()
    }
    const started = Date.now()
    const outside = await sh(h1, 'timeout 5 bash -c "exec 3<>/dev/tcp/192.0.2.1/80"')
    expect(outside.code).not.toBe(0)
    expect(outside.stderr).toContain('Network is unreachable')
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('accepts the right password and refuses a wrong one', async () => {
    const session = await connectLabHost(h2, lab.users.nosudo, { password: lab.users.nosudo.password })
    try {
      expect((await session.exec('whoami')).stdout).toBe('acs-nosudo\n')
    } finally {
      session.close()
    }
    await expect(connectLabHost(h2, lab.users.admin, { password: 'not-the-password' })).rejects.toThrow(
      /authentication/i,
    )
  })

  it('rotates a host key: the old fingerprint is refused, the new one accepted', async () => {
    const old = h2.hostKeyFingerprint
    const fresh = await lab.rotateHostKey(2)
    expect(fresh).toMatch(/^SHA256:/)
    expect(fresh).not.toBe(old)
    expect(h2.hostKeyFingerprint).toBe(fresh)
    await expect(connectLabHost(h2, lab.users.admin, { expectedFingerprint: old })).rejects.toThrow(
      /verification failed/i,
    )
    const session = await connectLabHost(h2, lab.users.admin)
    expect((await session.exec('hostname')).stdout.trim()).toBe(h2.name)
    session.close()
  })

  it('stop() leaves no namespace, interface, mount, process or state directory behind', async () => {
    const status = await runLabScript(['status', '--name', lab.name])
    expect(status.code, status.stderr).toBe(0)
    const hosts = (JSON.parse(status.stdout) as { hosts: { sshdPid?: number; dockerdPid?: number }[] }).hosts
    const pids = hosts.flatMap((host) => [host.sshdPid, host.dockerdPid]).filter((pid) => pid !== undefined)
    expect(pids).toHaveLength(3)
    // What an agent launched over SSH, and a container, leave running on the hosts.
    const background = await sh(h2, 'setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!')
    pids.push(Number(background.stdout.trim()))
    pids.push(Number((await sh(h1, "docker inspect --format '{{.State.Pid}}' probe")).stdout.trim()))
    expect(pids.every(running)).toBe(true)

    for (const session of sessions.values()) session.close()
    sessions.clear()
    await lab.stop()

    expect(pids.filter(running)).toEqual([])
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(`${lab.name}-h`)
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    expect(links).not.toMatch(new RegExp(`^\\d+: ${lab.name}(br0|v\\d+)[@:]`, 'm'))
    expect(readFileSync('/proc/mounts', 'utf8')).not.toContain(lab.stateDir)
    expect(existsSync(lab.stateDir)).toBe(false)
    // A second stop is harmless.
    await lab.stop()
  })
})
