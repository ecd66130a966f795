// `down`: takes a lab apart from what the system and its state directory show, so it also works after a
// killed `up`; the shared users go with the last lab. Processes are found by namespace, cgroup or pid.
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs'
import { join } from 'node:path'
import { stopEngine } from '../dockerd.mjs'
import { mountsUnder, unmountUnder } from '../host-namespaces.mjs'
import {
  checkName,
  checkRemovable,
  DEFAULT_NAME,
  defaultStateDir,
  hostPaths,
  labNames,
  labPaths,
} from '../layout.mjs'
import { LabError, log } from '../log.mjs'
import { hostIndicesOnNetwork, netnsFile, removeNetwork } from '../network.mjs'
import { findProcesses, recordedProcess, terminate } from '../processes.mjs'
import { registeredLab, unregisterLab, withLock } from '../registry.mjs'
import { requireRoot } from '../usage.mjs'
import { releaseUsers } from '../users.mjs'

export async function down(options) {
  requireRoot('down')
  const name = checkName(options.name ?? DEFAULT_NAME)
  const stateDir = options['state-dir'] ?? registeredLab(name)?.stateDir ?? defaultStateDir(name)
  checkRemovable(stateDir)
  const names = labNames(name)
  const hosts = discover(name, stateDir)
  const started = Date.now()

  // Engines first, so that they remove their containers, then sshd, then whatever is left inside.
  await Promise.all(hosts.map(stopEngine))
  const sshds = hosts.map((host) => recordedProcess(host.paths.sshdPid)).filter(Boolean)
  await terminate(sshds, 5_000)
  for (let round = 0; round < 4; round++) {
    const left = processesOf(hosts)
    if (left.length === 0) break
    log(`stopping ${left.length} process(es) left on the hosts`)
    const survivors = await terminate(left, 3_000)
    if (survivors.length && round === 3) log(`processes ${survivors.join(', ')} survived SIGKILL`)
  }

  // Namespaces, interfaces, firewall rule, cgroups, mounts, state.
  unmountUnder(stateDir)
  removeNetwork(name, names, hosts)
  removeCgroups(hosts)
  const leftMounts = mountsUnder(stateDir)
  if (leftMounts.length)
    throw new LabError(`still mounted, not removing ${stateDir}: ${leftMounts.join(', ')}`)
  rmSync(stateDir, { recursive: true, force: true })

  await withLock(async () => {
    unregisterLab(name)
    releaseUsers()
  })
  log(`lab ${name} is down (${((Date.now() - started) / 1000).toFixed(1)} s)`)
}

/** The hosts of a lab, found from the system (namespaces, interfaces) and its state directory. */
function discover(name, stateDir) {
  const names = labNames(name)
  const indices = new Set(hostIndicesOnNetwork(name))
  const { hostsDir } = labPaths(stateDir)
  if (existsSync(hostsDir)) {
    for (const entry of readdirSync(hostsDir)) {
      const match = /^h(\d+)$/.exec(entry)
      if (match) indices.add(Number(match[1]))
    }
  }
  // A namespace file that is no longer mounted is a plain file on the state directory's device: skipped.
  const nsDev = statSync('/proc/self/ns/mnt').dev
  const nsInode = (file, kind) => {
    const stat = statSync(file, { throwIfNoEntry: false })
    return stat && stat.dev === nsDev ? `${kind}:[${stat.ino}]` : undefined
  }
  return [...indices]
    .sort((a, b) => a - b)
    .map((index) => {
      const paths = hostPaths(stateDir, index)
      return {
        index,
        netns: names.netns(index),
        veth: names.veth(index),
        paths,
        namespaces: [
          nsInode(netnsFile(names.netns(index)), 'net'),
          nsInode(paths.mntFile, 'mnt'),
          nsInode(paths.utsFile, 'uts'),
        ].filter(Boolean),
        cgroupMark: `/${names.cgroup(index)}/`,
      }
    })
}

/** Every process in one of the hosts' namespaces or cgroups, except this one. */
function processesOf(hosts) {
  const namespaces = new Set(hosts.flatMap((host) => host.namespaces))
  const marks = hosts.map((host) => host.cgroupMark)
  return findProcesses((pid) => {
    if (pid === process.pid || pid <= 1) return false
    const inside = ['net', 'mnt', 'uts'].some((kind) =>
      namespaces.has(readlinkSync(`/proc/${pid}/ns/${kind}`)),
    )
    return inside || marks.some((mark) => readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(mark))
  })
}

/** The hosts' cgroups (and the shared acs-lab parent once empty) in every hierarchy. */
function removeCgroups(hosts) {
  const roots = new Set(['/sys/fs/cgroup'])
  try {
    for (const entry of readdirSync('/sys/fs/cgroup')) {
      const path = join('/sys/fs/cgroup', entry)
      if (lstatSync(path).isDirectory()) roots.add(path)
    }
  } catch {
    return
  }
  const removeTree = (path) => {
    let entries = []
    try {
      entries = readdirSync(path, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) if (entry.isDirectory()) removeTree(join(path, entry.name))
    try {
      rmdirSync(path)
    } catch {}
  }
  for (const root of roots) {
    for (const host of hosts) removeTree(join(root, host.cgroupMark))
    try {
      rmdirSync(join(root, 'acs-lab'))
    } catch {}
  }
}
