// Where a lab lives and what it is called: the machine-wide directory of all labs, a lab's name and the
// names derived from it (bridge, veths, namespaces, cgroups), and the files of its state directory.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { LabError } from './log.mjs'

export const LAB_ROOT = '/var/lib/acs-lab'
export const REGISTRY_DIR = join(LAB_ROOT, 'registry')
export const USERS_DIR = join(LAB_ROOT, 'users')
export const LOCK_DIR = join(LAB_ROOT, 'lock')
export const DEFAULT_NAME = 'acs'

/** Directories every host has a private copy of, bind-mounted over the machine's: [path, dir name, mode]. */
export const PRIVATE_DIRS = [
  ['/opt', 'opt', 0o755],
  ['/home', 'home', 0o755],
  ['/tmp', 'tmp', 0o1777],
  ['/var/lib/auto-cloud-scaler', 'var-lib-auto-cloud-scaler', 0o755],
  ['/etc/docker', 'etc-docker', 0o755],
]
/** Mount points that may be missing on a fresh machine; made (and later removed) by the lab. */
export const MADE_MOUNT_POINTS = ['/var/lib/auto-cloud-scaler', '/etc/docker']

// The name is part of interface names, which Linux limits to 15 characters.
const NAME_PATTERN = /^[a-z][a-z0-9]{0,9}$/

export function checkName(name) {
  if (!NAME_PATTERN.test(name))
    throw new LabError(
      `--name ${name}: use 1 to 10 lowercase letters and digits, starting with a letter (interface names are <name>br0 and <name>v<i>)`,
    )
  return name
}

export function labNames(name) {
  return {
    bridge: `${name}br0`,
    veth: (index) => `${name}v${index}`,
    netns: (index) => `${name}-h${index}`,
    cgroup: (index) => `acs-lab/${name}-h${index}`,
  }
}

export const defaultStateDir = (name) => join(LAB_ROOT, 'labs', name)

export function checkStateDir(dir) {
  if (!dir.startsWith('/') || !/^[A-Za-z0-9._/-]+$/.test(dir) || dir.split('/').includes('..'))
    throw new LabError(`--state-dir ${dir}: use an absolute path of letters, digits, '.', '_', '-' and '/'`)
  for (const [point] of [...PRIVATE_DIRS, ['/run'], ['/var/run']]) {
    if (dir === point || dir.startsWith(`${point}/`))
      throw new LabError(
        `--state-dir ${dir}: must not be under ${point}, which every host has a private copy of`,
      )
  }
  // sshd's StrictModes reads the authorized keys below it: no ancestor may be group or world writable.
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    const stat = statSync(parent, { throwIfNoEntry: false })
    if (stat && (stat.uid !== 0 || (stat.mode & 0o022) !== 0))
      throw new LabError(
        `--state-dir ${dir}: ${parent} must be owned by root and not group or world writable`,
      )
    if (parent === '/') break
  }
  return dir
}

/** The files of a lab's state directory; STATE_ENTRIES below names its top level. */
export function labPaths(stateDir) {
  return {
    labJson: join(stateDir, 'lab.json'),
    // A private mount, so that the bind mounts keeping the hosts' namespaces do not propagate.
    nsDir: join(stateDir, 'ns'),
    binDir: join(stateDir, 'bin'),
    usersDir: join(stateDir, 'users'),
    keysDir: join(stateDir, 'ssh', 'authorized_keys'),
    hostsDir: join(stateDir, 'hosts'),
  }
}

/** The files of host `index` in a lab's state directory. */
export function hostPaths(stateDir, index) {
  const dir = join(stateDir, 'hosts', `h${index}`)
  const fs = join(dir, 'fs')
  return {
    dir,
    // Bind-mounted over the machine's directories inside the host.
    fs,
    run: join(fs, 'run'),
    mntFile: join(stateDir, 'ns', `h${index}.mnt`),
    utsFile: join(stateDir, 'ns', `h${index}.uts`),
    setup: join(dir, 'setup.sh'),
    hostKey: join(dir, 'ssh_host_ed25519_key'),
    sshdConfig: join(dir, 'sshd_config'),
    sshdLog: join(dir, 'sshd.log'),
    sshdPid: join(dir, 'sshd.pid'),
    daemonJson: join(dir, 'daemon.json'),
    dockerData: join(dir, 'docker'),
    dockerdLog: join(dir, 'dockerd.log'),
    dockerdPid: join(dir, 'dockerd.pid'),
    dockerSocket: join(fs, 'run', 'docker.sock'),
  }
}

/** What `up` puts in a state directory: `down` removes a directory holding nothing else. */
const STATE_ENTRIES = new Set(['lab.json', 'ns', 'bin', 'users', 'ssh', 'hosts'])

export function checkRemovable(dir) {
  if (!dir.startsWith('/') || dir.split('/').includes('..') || dir.split('/').filter(Boolean).length < 2)
    throw new LabError(`--state-dir ${dir}: not a lab state directory`)
  if (!existsSync(dir)) return
  const strangers = readdirSync(dir).filter((entry) => !STATE_ENTRIES.has(entry))
  if (strangers.length)
    throw new LabError(
      `${dir} holds ${strangers.slice(0, 3).join(', ')}, which scripts/lab did not make; not touching it`,
    )
}
