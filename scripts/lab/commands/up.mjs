// `up`: checks the request, registers the lab and makes the shared users under the lock, makes the hosts
// and waits for them, prints the lab's JSON; on failure or a signal it takes down what it made.
import { existsSync, statfsSync } from 'node:fs'
import { makeDir } from '../files.mjs'
import { startHost } from '../host.mjs'
import { hiddenCommands, hostsFileText, makeNamespaceDir, writeHideScripts } from '../host-namespaces.mjs'
import { describeLab, printJson, saveLab } from '../lab-json.mjs'
import {
  checkName,
  checkStateDir,
  DEFAULT_NAME,
  defaultStateDir,
  hostPaths,
  labNames,
  labPaths,
} from '../layout.mjs'
import { LabError, log } from '../log.mjs'
import { checkGateway, makeBridge, networkExists } from '../network.mjs'
import { isRegistered, registerLab, withLock } from '../registry.mjs'
import { findCommand } from '../run.mjs'
import { SSHD, waitForSsh } from '../sshd.mjs'
import { allocateSubnet } from '../subnet.mjs'
import { LAB_COMMAND, requireRoot } from '../usage.mjs'
import { copyUsersToLab, ensureUsers, userOwners } from '../users.mjs'
import { down } from './down.mjs'

const MAX_HOSTS = 50
const OVERLAYFS_MAGIC = 0x794c7630

export async function up(options) {
  const hostCount = Number(options.hosts)
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > MAX_HOSTS)
    throw new LabError(`--hosts: give a number of hosts between 1 and ${MAX_HOSTS}`)
  const name = checkName(options.name ?? DEFAULT_NAME)
  const noDocker = parseHostList(options['no-docker'], hostCount, '--no-docker')
  const withNode = Boolean(options['with-node'])
  const stateDir = checkStateDir(options['state-dir'] ?? defaultStateDir(name))
  checkPrerequisites({ needDocker: noDocker.length < hostCount })

  const started = Date.now()
  let interrupted = false
  const onSignal = (sig) => {
    interrupted = true
    log(`${sig}: stopping and cleaning up`)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('SIGHUP', onSignal)
  const checkInterrupted = () => {
    if (interrupted) throw new LabError('interrupted')
  }
  let registered = false
  try {
    let credentials
    let subnet
    await withLock(async () => {
      if (labExists(name, stateDir))
        throw new LabError(`lab ${name} is up; run ${LAB_COMMAND} down --name ${name}`)
      subnet = allocateSubnet(name, options.subnet)
      registerLab({ name, stateDir, subnet })
      registered = true
      credentials = ensureUsers()
    })
    checkInterrupted()
    const lab = await createLab({
      name,
      stateDir,
      subnet,
      hostCount,
      noDocker,
      withNode,
      credentials,
      checkInterrupted,
    })
    log(
      `lab ${name} is up: ${hostCount} host(s) on ${subnet} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    )
    printJson(lab)
  } catch (error) {
    if (!registered) throw error
    log(`up failed: ${error.message}`)
    log(`cleaning up lab ${name}`)
    await down({ name, 'state-dir': stateDir }).catch((cleanup) => log(`cleanup failed: ${cleanup.message}`))
    throw new LabError(`lab ${name} did not come up (see above)`)
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', onSignal)
  }
}

function parseHostList(value, hosts, option) {
  if (!value) return []
  const list = value.split(',').map((part) => Number(part.trim()))
  for (const index of list) {
    if (!Number.isInteger(index) || index < 1 || index > hosts)
      throw new LabError(`${option} ${value}: give host numbers between 1 and ${hosts}, comma-separated`)
  }
  return list
}

function checkPrerequisites({ needDocker }) {
  requireRoot('', ' (it creates namespaces, interfaces, users and daemons)')
  const missing = []
  const need = [
    ['ip', 'apt-get install iproute2'],
    ['nsenter', 'apt-get install util-linux'],
    ['unshare', 'apt-get install util-linux'],
    ['mount', 'apt-get install mount'],
    ['ssh-keygen', 'apt-get install openssh-client'],
    ['useradd', 'apt-get install passwd'],
    ['chpasswd', 'apt-get install passwd'],
    ['sudo', 'apt-get install sudo'],
  ]
  if (needDocker) need.push(['dockerd', 'apt-get install docker.io (or --no-docker for every host)'])
  for (const [command, fix] of need) if (!findCommand(command)) missing.push(`${command} not found: ${fix}`)
  if (!existsSync(SSHD)) missing.push(`sshd not found (${SSHD}): apt-get install openssh-server`)
  if (!existsSync('/proc/self/ns/net') || !existsSync('/proc/self/ns/mnt'))
    missing.push('this kernel has no network or mount namespaces')
  if (missing.length) throw new LabError(`missing prerequisites:\n  ${missing.join('\n  ')}`)
}

/** Anything of a lab by this name, even half made or half removed, counts: `down` must clear it first. */
function labExists(name, stateDir) {
  return isRegistered(name) || existsSync(stateDir) || networkExists(name, labNames(name))
}

async function createLab({
  name,
  stateDir,
  subnet,
  hostCount,
  noDocker,
  withNode,
  credentials,
  checkInterrupted,
}) {
  const names = labNames(name)
  const { nsDir, binDir, keysDir } = labPaths(stateDir)
  const prefix = subnet.replace(/\.0\/24$/, '')
  const gateway = `${prefix}.1`
  const hostList = Array.from({ length: hostCount }, (_, i) => {
    const index = i + 1
    return {
      name: names.netns(index),
      index,
      address: `${prefix}.${10 + index}`,
      sshPort: 22,
      docker: !noDocker.includes(index),
      node: withNode,
      paths: hostPaths(stateDir, index),
    }
  })

  // State directory: keys, authorized keys, hide scripts, the private mount holding namespace files.
  makeDir(stateDir, 0o755)
  if (hostCount > noDocker.length && statfsSync(stateDir).type === OVERLAYFS_MAGIC)
    log(
      `${stateDir} is on overlayfs: the lab engines fall back to the slow vfs storage driver (use --state-dir elsewhere)`,
    )
  makeNamespaceDir(nsDir)
  makeDir(binDir)
  writeHideScripts(binDir)
  const users = copyUsersToLab(stateDir, credentials)

  // Network: a bridge in the machine's namespace with the gateway address.
  makeBridge(name, names.bridge, gateway)

  const context = {
    names,
    binDir,
    keysDir,
    owners: userOwners(),
    hostsFile: hostsFileText(name, gateway, hostList),
    hidden: hiddenCommands(withNode),
  }
  const engines = []
  // Stops the readiness polls when a later step fails, before `down` removes what they poll.
  const abort = new AbortController()
  try {
    for (const host of hostList) {
      checkInterrupted()
      const engine = startHost(host, context, abort.signal)
      if (engine) engines.push(engine)
    }
    await Promise.all([
      ...hostList.map((host) =>
        waitForSsh(host.address, host.sshPort, host.sshdPid, host.paths.sshdLog, { signal: abort.signal }),
      ),
      ...engines,
    ])
  } finally {
    abort.abort()
  }
  checkInterrupted()
  await checkGateway(gateway, hostList)

  const lab = describeLab({ name, stateDir, gateway, subnet, hosts: hostList, users })
  saveLab(lab)
  return lab
}
