// A host's own files and name: mount and UTS namespaces in which its private directories, /run, /etc/hosts
// and /etc/hostname are bind mounts from its state directory, and missing commands answer "not found".
import { cpSync, existsSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { chownTree, makeDir, writeFile } from './files.mjs'
import { PRIVATE_DIRS } from './layout.mjs'
import { netnsFile } from './network.mjs'
import { findCommand, run } from './run.mjs'
import { ADMIN, NOSUDO } from './users.mjs'

const NODE_PATHS = ['/usr/bin/node', '/usr/local/bin/node', '/usr/bin/nodejs']
const DOCKER_PATHS = {
  docker: ['/usr/bin/docker', '/usr/local/bin/docker'],
  dockerd: ['/usr/sbin/dockerd', '/usr/bin/dockerd', '/usr/local/bin/dockerd'],
}

/** The directory of the namespace files, as a private mount so that their bind mounts do not propagate. */
export function makeNamespaceDir(nsDir) {
  makeDir(nsDir, 0o700)
  run('mount', ['--bind', nsDir, nsDir])
  run('mount', ['--make-private', nsDir])
}

/** The scripts that stand in for node, docker and dockerd where a host has none. */
export function writeHideScripts(binDir) {
  for (const command of ['node', 'docker', 'dockerd'])
    writeFile(join(binDir, `hidden-${command}`), hideScript(command), 0o755)
}

/** Hidden-command script: what a machine without the command answers. */
function hideScript(command) {
  return `#!/bin/sh\n# Made by scripts/lab: ${command} is not installed on this lab host.\necho "${command}: command not found" >&2\nexit 127\n`
}

/** The machine's node, docker and dockerd files that hosts without them get covered. */
export function hiddenCommands(withNode) {
  return {
    node: withNode ? [] : existingTargets(NODE_PATHS),
    docker: existingTargets([...DOCKER_PATHS.docker, findCommand('docker')].filter(Boolean)),
    dockerd: existingTargets([...DOCKER_PATHS.dockerd, findCommand('dockerd')].filter(Boolean)),
  }
}

/** The real files behind the existing paths (a bind mount follows symbolic links). */
function existingTargets(paths) {
  const targets = new Set()
  for (const path of paths) {
    try {
      targets.add(realpathSync(path))
    } catch {}
  }
  return [...targets]
}

/** The /etc/hosts of every host of a lab: the gateway and all hosts by name. */
export function hostsFileText(name, gateway, hostList) {
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    `${gateway}\t${name}-gateway`,
    ...hostList.map((host) => `${host.address}\t${host.name}`),
    '',
  ].join('\n')
}

/** The files that become the host's private directories, /run, /etc/hosts, /etc/hostname and homes. */
export function makeHostFiles(host, paths, hostsFile, owners) {
  makeDir(paths.fs)
  for (const [, dir, mode] of PRIVATE_DIRS) makeDir(join(paths.fs, dir), mode)
  makeDir(paths.run)
  makeDir(join(paths.run, 'sshd'), 0o755)
  makeDir(join(paths.run, 'lock'), 0o1777)
  writeFile(join(paths.run, 'utmp'), '', 0o664)
  writeFile(join(paths.fs, 'hosts'), hostsFile)
  writeFile(join(paths.fs, 'hostname'), `${host.name}\n`)
  for (const user of [ADMIN, NOSUDO]) {
    const home = join(paths.fs, 'home', user)
    makeDir(home, 0o750)
    if (existsSync('/etc/skel')) cpSync('/etc/skel', home, { recursive: true })
    chownTree(home, ...owners[user])
  }
}

/** Makes the host's mount and UTS namespaces and mounts its files in them. */
export function makeHostNamespaces(host, paths, binDir, hidden) {
  writeFile(paths.mntFile, '', 0o600)
  writeFile(paths.utsFile, '', 0o600)
  const hides = [
    ...hidden.node.map((target) => [join(binDir, 'hidden-node'), target]),
    ...(host.docker
      ? []
      : [
          ...hidden.docker.map((target) => [join(binDir, 'hidden-docker'), target]),
          ...hidden.dockerd.map((target) => [join(binDir, 'hidden-dockerd'), target]),
        ]),
  ]
  writeFile(paths.setup, setupScript(host, paths.fs, hides), 0o700)
  run('unshare', [
    `--mount=${paths.mntFile}`,
    `--uts=${paths.utsFile}`,
    '--propagation',
    'slave',
    '--',
    '/bin/sh',
    paths.setup,
  ])
}

function setupScript(host, fsDir, hides) {
  const lines = [
    '#!/bin/sh',
    `# Runs once in the new mount and UTS namespaces of lab host ${host.name} (scripts/lab up).`,
    'set -eu',
    // Copies of other namespaces' files (other labs, ip netns) would keep those namespaces alive.
    "grep ' nsfs ' /proc/self/mounts | cut -d' ' -f2 | sort -r | while read -r point; do umount -l \"$point\" || true; done",
    ...PRIVATE_DIRS.map(([point, dir]) => `mount --bind ${join(fsDir, dir)} ${point}`),
    `mount --bind ${join(fsDir, 'hosts')} /etc/hosts`,
    ...(existsSync('/etc/hostname') ? [`mount --bind ${join(fsDir, 'hostname')} /etc/hostname`] : []),
    ...hides.map(([script, target]) => `mount --bind ${script} ${target}`),
    `mount --bind ${join(fsDir, 'run')} /run`,
    `echo ${host.name} > /proc/sys/kernel/hostname`,
    '',
  ]
  return lines.join('\n')
}

/** nsenter's arguments that run a command in the host's network, mount and UTS namespaces. */
export function enterHost(netns, paths) {
  return [`--net=${netnsFile(netns)}`, `--mount=${paths.mntFile}`, `--uts=${paths.utsFile}`, '--']
}

/** Mount points at or below `dir` in this mount namespace, deepest first. */
export function mountsUnder(dir) {
  const points = []
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = line.split(' ')[4]
    if (!point) continue
    const decoded = point.replace(/\\([0-7]{3})/g, (_, octal) =>
      String.fromCharCode(Number.parseInt(octal, 8)),
    )
    if (decoded === dir || decoded.startsWith(`${dir}/`)) points.push(decoded)
  }
  return points.sort((a, b) => b.length - a.length)
}

/** Unmounts everything at or below `dir`, lazily what is busy. */
export function unmountUnder(dir) {
  for (const point of mountsUnder(dir)) {
    if (run('umount', [point], { allowFail: true }).code !== 0)
      run('umount', ['-l', point], { allowFail: true })
  }
}
