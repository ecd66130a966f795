#!/usr/bin/env node
// Lab hosts: N stand-ins for VMs on this one Linux machine (root only). Each host is a network
// namespace with its own address on a bridge, a private mount and UTS namespace (own /opt, /home,
// /tmp, /run, /var/lib/auto-cloud-scaler, /etc/docker, hostname), its own sshd and, unless disabled,
// its own Docker Engine. `up` prints the lab as JSON on stdout; everything else goes to stderr.
// See docs/LAB.md.
//
//   scripts/lab up --hosts N [--name NAME] [--no-docker LIST] [--with-node] [--state-dir DIR] [--subnet CIDR]
//   scripts/lab down [--name NAME] [--state-dir DIR]
//   scripts/lab rotate-host-key --name NAME --host I
//   scripts/lab status [--name NAME]
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  closeSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'

const LAB_ROOT = '/var/lib/acs-lab'
const REGISTRY_DIR = join(LAB_ROOT, 'registry')
const USERS_DIR = join(LAB_ROOT, 'users')
const LOCK_DIR = join(LAB_ROOT, 'lock')
const DEFAULT_NAME = 'acs'
const ADMIN = 'acs'
const NOSUDO = 'acs-nosudo'
const SUDOERS_FILE = '/etc/sudoers.d/acs-lab'
const SSHD = '/usr/sbin/sshd'
const MAX_HOSTS = 50
const SSH_READY_MS = 20_000
const ENGINE_READY_MS = 90_000
const ENGINE_STOP_MS = 20_000
const OVERLAYFS_MAGIC = 0x794c7630
/** Directories every host has a private copy of, bind-mounted over the machine's: [path, dir name, mode]. */
const PRIVATE_DIRS = [
  ['/opt', 'opt', 0o755],
  ['/home', 'home', 0o755],
  ['/tmp', 'tmp', 0o1777],
  ['/var/lib/auto-cloud-scaler', 'var-lib-auto-cloud-scaler', 0o755],
  ['/etc/docker', 'etc-docker', 0o755],
]
/** Mount points that may be missing on a fresh machine; made (and later removed) by the lab. */
const MADE_MOUNT_POINTS = ['/var/lib/auto-cloud-scaler', '/etc/docker']
const NODE_PATHS = ['/usr/bin/node', '/usr/local/bin/node', '/usr/bin/nodejs']
const DOCKER_PATHS = {
  docker: ['/usr/bin/docker', '/usr/local/bin/docker'],
  dockerd: ['/usr/sbin/dockerd', '/usr/bin/dockerd', '/usr/local/bin/dockerd'],
}

process.umask(0o022)
process.env.PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}`

class LabError extends Error {}

const log = (message) => process.stderr.write(`lab: ${message}\n`)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------
// Commands and processes

/** Runs a command to completion; throws with its output unless `allowFail`. */
function run(command, args, { allowFail = false, input, timeoutMs = 30_000 } = {}) {
  const result = spawnSync(command, args, { input, encoding: 'utf8', timeout: timeoutMs })
  const code = result.status
  if (!allowFail && (result.error || code !== 0)) {
    const reason = result.error ? result.error.message : `exit ${code ?? result.signal}`
    throw new LabError(
      `${command} ${args.join(' ')} failed (${reason}): ${(result.stderr || result.stdout || '').trim()}`,
    )
  }
  return { code, stdout: result.stdout ?? '', stderr: result.stderr ?? '' }
}

/** Runs a command without blocking the event loop; resolves with its exit code and output. */
function runAsync(command, args, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ code: -1, output: error.message })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

function findCommand(name) {
  for (const dir of process.env.PATH.split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name)
  }
  return undefined
}

/** Start time (clock ticks since boot) of a live, non-zombie process; undefined otherwise. */
function processStart(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined
    return fields[19]
  } catch {
    return undefined
  }
}

const alive = (pid) => processStart(pid) !== undefined

/** A recorded "pid start" pair, if that very process still runs. */
function recordedProcess(file) {
  try {
    const [pid, start] = readFileSync(file, 'utf8').trim().split(/\s+/)
    const number = Number(pid)
    if (number > 1 && processStart(number) === start) return number
  } catch {}
  return undefined
}

function recordProcess(file, pid) {
  writeFileSync(file, `${pid} ${processStart(pid) ?? ''}\n`)
}

async function waitForExit(pids, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  let remaining = pids.filter(alive)
  while (remaining.length > 0 && Date.now() < deadline) {
    await sleep(50)
    remaining = remaining.filter(alive)
  }
  return remaining
}

function signal(pid, name) {
  try {
    process.kill(pid, name)
  } catch {}
}

/** SIGTERM, then SIGKILL what is left after `graceMs`; resolves with what survived even that. */
async function terminate(pids, graceMs) {
  for (const pid of pids) signal(pid, 'SIGTERM')
  const left = await waitForExit(pids, graceMs)
  for (const pid of left) signal(pid, 'SIGKILL')
  return waitForExit(left, 5_000)
}

/** Starts a daemon detached from this process (it outlives `lab up`), output to `logFile`. */
function startDaemon(command, args, logFile) {
  const fd = openSync(logFile, 'a', 0o600)
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd] })
    child.on('error', () => {})
    child.unref()
    return child.pid
  } finally {
    closeSync(fd)
  }
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

// ---------------------------------------------------------------------------------------------
// Files and JSON

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

function writeJson(file, value, mode = 0o600) {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`, { mode })
  chmodSync(`${file}.tmp`, mode)
  renameSync(`${file}.tmp`, file)
}

function makeDir(path, mode = 0o755) {
  mkdirSync(path, { recursive: true })
  chmodSync(path, mode)
}

function writeFile(path, text, mode = 0o644) {
  writeFileSync(path, text, { mode })
  chmodSync(path, mode)
}

function fingerprintOf(publicKeyFile) {
  const blob = readFileSync(publicKeyFile, 'utf8').trim().split(/\s+/)[1]
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64')
  return `SHA256:${digest.replace(/=+$/, '')}`
}

/** Mount points at or below `dir` in this mount namespace, deepest first. */
function mountsUnder(dir) {
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

// ---------------------------------------------------------------------------------------------
// The machine-wide registry of labs, its lock, and the users all labs share

async function withLock(fn) {
  mkdirSync(LAB_ROOT, { recursive: true, mode: 0o755 })
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      mkdirSync(LOCK_DIR)
      recordProcess(join(LOCK_DIR, 'owner'), process.pid)
      break
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
      const ownerFile = join(LOCK_DIR, 'owner')
      const stale = existsSync(ownerFile)
        ? recordedProcess(ownerFile) === undefined
        : Date.now() - (statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 5_000
      if (stale) {
        rmSync(LOCK_DIR, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new LabError(`another scripts/lab holds ${LOCK_DIR} for over 60 s`)
      await sleep(100)
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

const registryFile = (name) => join(REGISTRY_DIR, `${name}.json`)

function registeredLabs() {
  if (!existsSync(REGISTRY_DIR)) return []
  return readdirSync(REGISTRY_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => readJson(join(REGISTRY_DIR, file)))
    .filter(Boolean)
}

const userExists = (user) => run('getent', ['passwd', user], { allowFail: true }).code === 0
const groupExists = (group) => run('getent', ['group', group], { allowFail: true }).code === 0

function groupsOf(user) {
  return run('id', ['-nG', user], { allowFail: true }).stdout.trim().split(/\s+/)
}

/**
 * Makes the lab users (once per machine), their passwords and key pairs, the docker group and the
 * mount points the hosts need. What it makes is listed in users/created.json, so that the last
 * `down` removes exactly that.
 */
function ensureUsers() {
  const createdFile = join(USERS_DIR, 'created.json')
  const created = readJson(createdFile) ?? { users: [], groups: [], dirs: [], files: [] }
  for (const user of [ADMIN, NOSUDO]) {
    if (userExists(user) && !created.users.includes(user))
      throw new LabError(
        `user ${user} exists but was not made by scripts/lab; remove it (userdel ${user}) or use another machine`,
      )
  }
  makeDir(USERS_DIR, 0o700)
  const save = () => writeJson(createdFile, created)
  if (!groupExists('docker')) {
    created.groups.push('docker')
    save()
    run('groupadd', ['--system', 'docker'])
  }
  for (const dir of MADE_MOUNT_POINTS) {
    if (!existsSync(dir)) {
      created.dirs.push(dir)
      save()
      makeDir(dir)
    }
  }
  for (const [user, groups] of [
    [ADMIN, ['docker']],
    [NOSUDO, []],
  ]) {
    if (!userExists(user)) {
      created.users.push(user)
      save()
      const extra = groups.length ? ['-G', groups.join(',')] : []
      run('useradd', ['-M', '-d', `/home/${user}`, '-s', '/bin/bash', '-U', ...extra, user])
    }
    for (const group of groups) if (!groupsOf(user).includes(group)) run('usermod', ['-aG', group, user])
  }
  if (groupsOf(NOSUDO).includes('docker')) run('gpasswd', ['-d', NOSUDO, 'docker'])
  if (!created.files.includes(SUDOERS_FILE)) {
    created.files.push(SUDOERS_FILE)
    save()
  }
  writeFile(
    SUDOERS_FILE,
    `# Made by scripts/lab (docs/LAB.md); removed by the last scripts/lab down.\n${ADMIN} ALL=(ALL:ALL) NOPASSWD: ALL\n`,
    0o440,
  )
  if (findCommand('visudo')) run('visudo', ['-c', '-q', '-f', SUDOERS_FILE])

  const credentialsFile = join(USERS_DIR, 'credentials.json')
  const credentials = readJson(credentialsFile) ?? {}
  for (const user of [ADMIN, NOSUDO]) {
    credentials[user] ??= { password: randomBytes(15).toString('base64url') }
    const key = join(USERS_DIR, `${user}_ed25519`)
    if (!existsSync(key) || !existsSync(`${key}.pub`)) {
      rmSync(key, { force: true })
      rmSync(`${key}.pub`, { force: true })
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${user}@acs-lab`, '-f', key])
    }
  }
  writeJson(credentialsFile, credentials)
  run('chpasswd', [], { input: [ADMIN, NOSUDO].map((u) => `${u}:${credentials[u].password}\n`).join('') })
  return credentials
}

function liveProcessesOf(user) {
  const uid = run('id', ['-u', user], { allowFail: true }).stdout.trim()
  const pids = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8')
      if (new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status) && alive(Number(entry))) pids.push(Number(entry))
    } catch {}
  }
  return pids
}

/** Removes what ensureUsers made, once no lab is registered any more. */
function releaseUsers() {
  if (registeredLabs().length > 0) return
  const createdFile = join(USERS_DIR, 'created.json')
  const created = readJson(createdFile)
  if (created) {
    let complete = true
    for (const user of created.users) {
      if (!userExists(user)) continue
      let result = run('userdel', [user], { allowFail: true })
      // userdel counts zombies (left to a PID 1 that reaps late) as the user's processes.
      if (result.code !== 0 && liveProcessesOf(user).length === 0)
        result = run('userdel', ['-f', user], { allowFail: true })
      if (result.code !== 0) {
        complete = false
        log(`could not remove user ${user}: ${result.stderr.trim()}`)
      }
    }
    for (const group of created.groups) {
      if (groupExists(group)) run('groupdel', [group], { allowFail: true })
    }
    for (const file of created.files) rmSync(file, { force: true })
    for (const dir of created.dirs) {
      try {
        rmdirSync(dir)
      } catch {}
    }
    if (!complete) return
  }
  rmSync(USERS_DIR, { recursive: true, force: true })
  for (const dir of [REGISTRY_DIR, join(LAB_ROOT, 'labs')]) {
    try {
      rmdirSync(dir)
    } catch {}
  }
}

// ---------------------------------------------------------------------------------------------
// Names, addresses, paths

const NAME_PATTERN = /^[a-z][a-z0-9]{0,9}$/

function checkName(name) {
  if (!NAME_PATTERN.test(name))
    throw new LabError(
      `--name ${name}: use 1 to 10 lowercase letters and digits, starting with a letter (interface names are <name>br0 and <name>v<i>)`,
    )
  return name
}

function labNames(name) {
  return {
    bridge: `${name}br0`,
    veth: (index) => `${name}v${index}`,
    netns: (index) => `${name}-h${index}`,
    cgroup: (index) => `acs-lab/${name}-h${index}`,
  }
}

const defaultStateDir = (name) => join(LAB_ROOT, 'labs', name)

function checkStateDir(dir) {
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

/** The /24 of the lab: 10.231.0.0/24 for the default name, else one derived from the name that is free. */
function allocateSubnet(name, requested) {
  const taken = new Set(registeredLabs().map((lab) => lab.subnet))
  const routes = run('ip', ['-4', '-o', 'route', 'show', 'table', 'all'], { allowFail: true }).stdout
  const addresses = run('ip', ['-4', '-o', 'addr', 'show'], { allowFail: true }).stdout
  // A route as narrow as /16 or narrower that meets the /24 is a conflict; broader ones (a VPN's 10/8) are not.
  const inUse = (prefix) =>
    taken.has(`${prefix}.0/24`) ||
    routes.split('\n').some((line) => overlaps(line.split(' ')[0], prefix)) ||
    addresses.includes(` ${prefix}.`)
  if (requested) {
    const match = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.0\/24$/.exec(requested)
    if (!match || match[1].split('.').some((octet) => Number(octet) > 255))
      throw new LabError(`--subnet ${requested}: give an IPv4 /24 such as 10.231.7.0/24`)
    if (inUse(match[1])) throw new LabError(`--subnet ${requested} is already in use on this machine`)
    return `${match[1]}.0/24`
  }
  let hash = 2166136261
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0
  const first = name === DEFAULT_NAME ? 0 : 1 + (hash % 250)
  for (let step = 0; step < 251; step++) {
    const octet = (first + step) % 251
    if (!inUse(`10.231.${octet}`)) return `10.231.${octet}.0/24`
  }
  throw new LabError('no free /24 in 10.231.0.0/16; pass --subnet')
}

function overlaps(destination, prefix) {
  if (!destination || destination === 'default') return false
  const [address, bits = '32'] = destination.split('/')
  const parts = address.split('.').map(Number)
  if (parts.length !== 4 || parts.some(Number.isNaN)) return false
  const value = (octets) => octets.reduce((acc, octet) => acc * 256 + octet, 0)
  const ours = value([...prefix.split('.').map(Number), 0])
  const length = Number(bits)
  if (length < 16) return false
  const common = Math.min(length, 24)
  const mask = common === 0 ? 0 : 2 ** 32 - 2 ** (32 - common)
  return (value(parts) & mask) >>> 0 === (ours & mask) >>> 0
}

/** Hidden-command script: what a machine without the command answers. */
function hideScript(command) {
  return `#!/bin/sh\n# Made by scripts/lab: ${command} is not installed on this lab host.\necho "${command}: command not found" >&2\nexit 127\n`
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

// ---------------------------------------------------------------------------------------------
// Probes

/** Resolves once `address:port` answers with an SSH banner. */
async function waitForSsh(address, port, pid, logFile, timeoutMs = SSH_READY_MS, signal = undefined) {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new LabError('aborted')
    if (!alive(pid)) throw new LabError(`sshd on ${address} exited; its log:\n${tail(logFile)}`)
    const banner = await new Promise((resolve) => {
      const socket = net.connect({ host: address, port, timeout: 1000 })
      let data = ''
      const done = (value) => {
        socket.destroy()
        resolve(value)
      }
      socket.on('data', (chunk) => {
        data += chunk
        if (data.includes('\n')) done(data)
      })
      socket.on('timeout', () => done(''))
      socket.on('error', (error) => done(`error: ${error.message}`))
      socket.on('close', () => done(data))
    })
    if (banner.startsWith('SSH-2.0-')) return
    last = banner.trim()
    await sleep(50)
  }
  throw new LabError(
    `sshd on ${address}:${port} did not answer within ${timeoutMs} ms (${last}); its log:\n${tail(logFile)}`,
  )
}

function dockerRequest(socketPath, method, path, timeoutMs = 5_000) {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, method, path, timeout: timeoutMs }, (response) => {
      let body = ''
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode, body }))
    })
    request.on('timeout', () => request.destroy(new Error('timed out')))
    request.on('error', reject)
    request.end()
  })
}

async function waitForEngine(socketPath, pid, logFile, timeoutMs = ENGINE_READY_MS, signal = undefined) {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new LabError('aborted')
    if (!alive(pid)) throw new LabError(`dockerd exited; its log:\n${tail(logFile)}`)
    try {
      const { status, body } = await dockerRequest(socketPath, 'GET', '/_ping', 2_000)
      if (status === 200 && body === 'OK') return
      last = `${status} ${body}`
    } catch (error) {
      last = error.message
    }
    await sleep(100)
  }
  throw new LabError(
    `dockerd did not answer on ${socketPath} within ${timeoutMs} ms (${last}); its log:\n${tail(logFile)}`,
  )
}

// ---------------------------------------------------------------------------------------------
// up

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
  if (process.getuid?.() !== 0)
    throw new LabError(
      'must run as root (it creates namespaces, interfaces, users and daemons): sudo scripts/lab ...',
    )
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

function labExists(name, stateDir) {
  const names = labNames(name)
  const netns = run('ip', ['netns', 'list'], { allowFail: true }).stdout
  return (
    existsSync(registryFile(name)) ||
    existsSync(stateDir) ||
    netns.split('\n').some((line) => line.startsWith(`${names.netns('')}`)) ||
    run('ip', ['-o', 'link', 'show'], { allowFail: true })
      .stdout.split('\n')
      .some((line) => new RegExp(`^\\d+: (${names.bridge}|${name}v\\d+)[@:]`).test(line))
  )
}

async function up(options) {
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
        throw new LabError(`lab ${name} is up; run scripts/lab down --name ${name}`)
      subnet = allocateSubnet(name, options.subnet)
      makeDir(REGISTRY_DIR)
      writeJson(registryFile(name), { name, stateDir, subnet, createdAt: new Date().toISOString() }, 0o644)
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
    process.stdout.write(`${JSON.stringify(lab, null, 2)}\n`)
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
      dir: join(stateDir, 'hosts', `h${index}`),
    }
  })

  // State directory: keys, authorized keys, hide scripts, the private mount holding namespace files.
  makeDir(stateDir, 0o755)
  if (hostCount > noDocker.length && statfsSync(stateDir).type === OVERLAYFS_MAGIC)
    log(
      `${stateDir} is on overlayfs: the lab engines fall back to the slow vfs storage driver (use --state-dir elsewhere)`,
    )
  const nsDir = join(stateDir, 'ns')
  makeDir(nsDir, 0o700)
  run('mount', ['--bind', nsDir, nsDir])
  run('mount', ['--make-private', nsDir])
  const binDir = join(stateDir, 'bin')
  makeDir(binDir)
  for (const command of ['node', 'docker', 'dockerd'])
    writeFile(join(binDir, `hidden-${command}`), hideScript(command), 0o755)
  const usersDir = join(stateDir, 'users')
  const keysDir = join(stateDir, 'ssh', 'authorized_keys')
  makeDir(usersDir, 0o700)
  makeDir(keysDir, 0o755)
  const users = {}
  for (const [role, user] of [
    ['admin', ADMIN],
    ['nosudo', NOSUDO],
  ]) {
    const keyFile = join(usersDir, `${user}_ed25519`)
    cpSync(join(USERS_DIR, `${user}_ed25519`), keyFile)
    cpSync(join(USERS_DIR, `${user}_ed25519.pub`), `${keyFile}.pub`)
    chmodSync(keyFile, 0o600)
    writeFile(join(keysDir, user), readFileSync(`${keyFile}.pub`, 'utf8'), 0o644)
    users[role] = { user, password: credentials[user].password, keyFile }
  }

  // Network: a bridge in the machine's namespace with the gateway address.
  run('ip', ['link', 'add', names.bridge, 'type', 'bridge'])
  run('ip', ['addr', 'add', `${gateway}/24`, 'dev', names.bridge])
  run('ip', ['link', 'set', names.bridge, 'up'])
  allowBridgedTraffic(name, names.bridge)

  const hiddenNode = withNode ? [] : existingTargets(NODE_PATHS)
  const hiddenDocker = {
    docker: existingTargets([...DOCKER_PATHS.docker, findCommand('docker')].filter(Boolean)),
    dockerd: existingTargets([...DOCKER_PATHS.dockerd, findCommand('dockerd')].filter(Boolean)),
  }
  const uid = (user) => Number(run('id', ['-u', user]).stdout.trim())
  const gid = (user) => Number(run('id', ['-g', user]).stdout.trim())
  const owners = Object.fromEntries([ADMIN, NOSUDO].map((user) => [user, [uid(user), gid(user)]]))
  const hostsFile = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    `${gateway}\t${name}-gateway`,
    ...hostList.map((host) => `${host.address}\t${host.name}`),
    '',
  ].join('\n')

  const context = { names, nsDir, binDir, keysDir, owners, hostsFile, hiddenNode, hiddenDocker }
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
        waitForSsh(host.address, 22, host.sshdPid, host.sshdLog, SSH_READY_MS, abort.signal),
      ),
      ...engines,
    ])
  } finally {
    abort.abort()
  }
  checkInterrupted()
  await checkGateway(gateway, hostList)

  const lab = {
    name,
    stateDir,
    gateway,
    subnet,
    hosts: hostList.map((host) => ({
      name: host.name,
      index: host.index,
      address: host.address,
      sshPort: host.sshPort,
      hostKeyFingerprint: host.hostKeyFingerprint,
      docker: host.docker,
      node: host.node,
      ...(host.dockerSocket ? { dockerSocket: host.dockerSocket } : {}),
    })),
    users,
  }
  writeJson(join(stateDir, 'lab.json'), lab)
  return lab
}

/**
 * Makes one host: its files, host key, sshd configuration, network namespace and veth, mount and UTS
 * namespaces; starts its engine (if any) and sshd. Returns the engine's readiness (or undefined), for
 * the caller to await together with the others'.
 */
function startHost(
  host,
  { names, nsDir, binDir, keysDir, owners, hostsFile, hiddenNode, hiddenDocker },
  signal,
) {
  let engine
  const fsDir = join(host.dir, 'fs')
  makeDir(fsDir)
  for (const [, dir, mode] of PRIVATE_DIRS) makeDir(join(fsDir, dir), mode)
  const runDir = join(fsDir, 'run')
  makeDir(runDir)
  makeDir(join(runDir, 'sshd'), 0o755)
  makeDir(join(runDir, 'lock'), 0o1777)
  writeFile(join(runDir, 'utmp'), '', 0o664)
  writeFile(join(fsDir, 'hosts'), hostsFile)
  writeFile(join(fsDir, 'hostname'), `${host.name}\n`)
  for (const user of [ADMIN, NOSUDO]) {
    const home = join(fsDir, 'home', user)
    makeDir(home, 0o750)
    if (existsSync('/etc/skel')) cpSync('/etc/skel', home, { recursive: true })
    chownTree(home, ...owners[user])
  }

  // Host key and sshd configuration.
  const hostKey = join(host.dir, 'ssh_host_ed25519_key')
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${host.name}`, '-f', hostKey])
  host.hostKeyFingerprint = fingerprintOf(`${hostKey}.pub`)
  writeFile(join(host.dir, 'sshd_config'), sshdConfig(host, hostKey, keysDir))

  // Network namespace and its end of a veth pair on the bridge. No default route.
  run('ip', ['netns', 'add', host.name])
  run('ip', [
    'link',
    'add',
    names.veth(host.index),
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'netns',
    host.name,
  ])
  run('ip', ['link', 'set', names.veth(host.index), 'master', names.bridge, 'up'])
  run('ip', ['-n', host.name, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0'])
  run('ip', ['-n', host.name, 'link', 'set', 'eth0', 'up'])
  run('ip', ['-n', host.name, 'link', 'set', 'lo', 'up'])

  // Mount and UTS namespaces, kept by bind mounts of their files on the private ns/ mount.
  const mntFile = join(nsDir, `h${host.index}.mnt`)
  const utsFile = join(nsDir, `h${host.index}.uts`)
  writeFile(mntFile, '', 0o600)
  writeFile(utsFile, '', 0o600)
  const hides = [
    ...hiddenNode.map((target) => [join(binDir, 'hidden-node'), target]),
    ...(host.docker
      ? []
      : [
          ...hiddenDocker.docker.map((target) => [join(binDir, 'hidden-docker'), target]),
          ...hiddenDocker.dockerd.map((target) => [join(binDir, 'hidden-dockerd'), target]),
        ]),
  ]
  const setup = join(host.dir, 'setup.sh')
  writeFile(setup, setupScript(host, fsDir, hides), 0o700)
  run('unshare', [`--mount=${mntFile}`, `--uts=${utsFile}`, '--propagation', 'slave', '--', '/bin/sh', setup])
  host.enter = [`--net=/var/run/netns/${host.name}`, `--mount=${mntFile}`, `--uts=${utsFile}`, '--']

  if (host.docker) {
    const daemonJson = join(host.dir, 'daemon.json')
    writeFile(daemonJson, '{}\n', 0o644)
    const logFile = join(host.dir, 'dockerd.log')
    const pid = startDaemon('nsenter', [...host.enter, ...dockerdArgs(host, names)], logFile)
    recordProcess(join(host.dir, 'dockerd.pid'), pid)
    host.dockerSocket = join(runDir, 'docker.sock')
    engine = waitForEngine(host.dockerSocket, pid, logFile, ENGINE_READY_MS, signal)
    // Awaited by the caller; a failure before then must not end this process in the middle of cleanup.
    engine.catch(() => {})
  }
  startSshd(host)
  return engine
}

function chownTree(path, uid, gid) {
  chownSync(path, uid, gid)
  if (lstatSync(path).isDirectory())
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid)
}

/** Lets bridged traffic between hosts pass the FORWARD chain when bridged frames go through iptables. */
function allowBridgedTraffic(name, bridge) {
  let callsIptables = false
  try {
    callsIptables = readFileSync('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').trim() === '1'
  } catch {}
  if (!callsIptables) return
  if (!findCommand('iptables')) {
    log('iptables not found: traffic between lab hosts may be dropped (apt-get install iptables)')
    return
  }
  const chain =
    run('iptables', ['-S', 'DOCKER-USER'], { allowFail: true }).code === 0 ? 'DOCKER-USER' : 'FORWARD'
  run('iptables', [
    '-I',
    chain,
    '-i',
    bridge,
    '-o',
    bridge,
    '-m',
    'comment',
    '--comment',
    `acs-lab:${name}`,
    '-j',
    'ACCEPT',
  ])
}

function removeBridgeRules(name) {
  if (!findCommand('iptables')) return
  for (const chain of ['DOCKER-USER', 'FORWARD']) {
    const rules = run('iptables', ['-S', chain], { allowFail: true }).stdout.split('\n')
    for (const rule of rules) {
      const args = rule.replace(/"/g, '').split(' ')
      if (args[0] !== '-A' || !args.includes(`acs-lab:${name}`)) continue
      args[0] = '-D'
      run('iptables', args, { allowFail: true })
    }
  }
}

function sshdConfig(host, hostKey, keysDir) {
  return [
    `# sshd of lab host ${host.name}, made by scripts/lab.`,
    'Port 22',
    `ListenAddress ${host.address}`,
    'AddressFamily inet',
    `HostKey ${hostKey}`,
    'PidFile none',
    `AuthorizedKeysFile ${keysDir}/%u .ssh/authorized_keys`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PermitEmptyPasswords no',
    // Plain shadow passwords: the PAM stack's session modules (pam_loginuid) fail in some containers.
    'UsePAM no',
    'StrictModes yes',
    'PermitRootLogin no',
    `AllowUsers ${ADMIN} ${NOSUDO}`,
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'X11Forwarding no',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'MaxStartups 64:30:128',
    'MaxSessions 64',
    'LoginGraceTime 30',
    'AcceptEnv LANG LC_*',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n')
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

function dockerdArgs(host, names) {
  return [
    'dockerd',
    '--host',
    'unix:///run/docker.sock',
    '--group',
    'docker',
    '--data-root',
    join(host.dir, 'docker'),
    '--exec-root',
    '/run/docker',
    '--pidfile',
    '/run/docker.pid',
    '--config-file',
    join(host.dir, 'daemon.json'),
    '--bridge',
    'none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    '--ip-forward=false',
    '--userland-proxy=false',
    '--exec-opt',
    'native.cgroupdriver=cgroupfs',
    '--cgroup-parent',
    `/${names.cgroup(host.index)}`,
  ]
}

function startSshd(host) {
  host.sshdLog = join(host.dir, 'sshd.log')
  const config = join(host.dir, 'sshd_config')
  host.sshdPid = startDaemon(
    'nsenter',
    [...host.enter, SSHD, '-D', '-f', config, '-E', host.sshdLog],
    host.sshdLog,
  )
  recordProcess(join(host.dir, 'sshd.pid'), host.sshdPid)
}

/** Each host reaches the gateway address (where the VIM's hub and proxy listen). */
async function checkGateway(gateway, hostList) {
  const server = net.createServer((socket) => {
    socket.on('error', () => {})
    socket.end()
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, gateway, resolve)
  })
  const { port } = server.address()
  try {
    for (const host of hostList) {
      const { code, output } = await runAsync('nsenter', [
        `--net=/var/run/netns/${host.name}`,
        '/bin/bash',
        '-c',
        `exec 3<>/dev/tcp/${gateway}/${port}`,
      ])
      if (code !== 0) throw new LabError(`${host.name} cannot reach the gateway ${gateway}: ${output.trim()}`)
    }
  } finally {
    server.close()
  }
}

// ---------------------------------------------------------------------------------------------
// down

/** The namespaces, cgroups and recorded processes of a lab, found from its state and the system. */
function discover(name, stateDir) {
  const names = labNames(name)
  const indices = new Set()
  for (const line of run('ip', ['netns', 'list'], { allowFail: true }).stdout.split('\n')) {
    const match = new RegExp(`^${name}-h(\\d+)(\\s|$)`).exec(line)
    if (match) indices.add(Number(match[1]))
  }
  for (const line of run('ip', ['-o', 'link', 'show'], { allowFail: true }).stdout.split('\n')) {
    const match = new RegExp(`^\\d+: ${name}v(\\d+)[@:]`).exec(line)
    if (match) indices.add(Number(match[1]))
  }
  const hostsDir = join(stateDir, 'hosts')
  if (existsSync(hostsDir)) {
    for (const entry of readdirSync(hostsDir)) {
      const match = /^h(\d+)$/.exec(entry)
      if (match) indices.add(Number(match[1]))
    }
  }
  const nsDev = statSync('/proc/self/ns/mnt').dev
  const nsInode = (file, kind) => {
    const stat = statSync(file, { throwIfNoEntry: false })
    return stat && stat.dev === nsDev ? `${kind}:[${stat.ino}]` : undefined
  }
  return [...indices]
    .sort((a, b) => a - b)
    .map((index) => ({
      index,
      netns: names.netns(index),
      veth: names.veth(index),
      dir: join(hostsDir, `h${index}`),
      namespaces: [
        nsInode(`/var/run/netns/${names.netns(index)}`, 'net'),
        nsInode(join(stateDir, 'ns', `h${index}.mnt`), 'mnt'),
        nsInode(join(stateDir, 'ns', `h${index}.uts`), 'uts'),
      ].filter(Boolean),
      cgroupMark: `/${names.cgroup(index)}/`,
    }))
}

/** Every process in one of the hosts' namespaces or cgroups, except this one. */
function processesOf(hosts) {
  const namespaces = new Set(hosts.flatMap((host) => host.namespaces))
  const marks = hosts.map((host) => host.cgroupMark)
  const found = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid === process.pid || pid <= 1) continue
    try {
      const inside = ['net', 'mnt', 'uts'].some((kind) =>
        namespaces.has(readlinkSync(`/proc/${pid}/ns/${kind}`)),
      )
      if (inside || marks.some((mark) => readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(mark))) {
        if (alive(pid)) found.push(pid)
      }
    } catch {}
  }
  return found
}

async function stopEngine(host) {
  const pid = recordedProcess(join(host.dir, 'dockerd.pid'))
  if (!pid) return
  const socketPath = join(host.dir, 'fs', 'run', 'docker.sock')
  try {
    const { status, body } = await dockerRequest(socketPath, 'GET', '/containers/json?all=1')
    if (status === 200) {
      const ids = JSON.parse(body).map((container) => container.Id)
      await Promise.all(
        ids.map((id) =>
          dockerRequest(socketPath, 'DELETE', `/containers/${id}?force=1&v=1`, 15_000).catch((error) =>
            log(`${host.netns}: could not remove container ${id.slice(0, 12)}: ${error.message}`),
          ),
        ),
      )
    }
  } catch (error) {
    log(`${host.netns}: engine did not list its containers (${error.message}); stopping it anyway`)
  }
  const left = await terminate([pid], ENGINE_STOP_MS)
  if (left.length) log(`${host.netns}: dockerd ${pid} survived SIGKILL`)
}

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

/** What `up` puts in a state directory: `down` removes a directory holding nothing else. */
const STATE_ENTRIES = new Set(['lab.json', 'ns', 'bin', 'users', 'ssh', 'hosts'])

function checkRemovable(dir) {
  if (!dir.startsWith('/') || dir.split('/').includes('..') || dir.split('/').filter(Boolean).length < 2)
    throw new LabError(`--state-dir ${dir}: not a lab state directory`)
  if (!existsSync(dir)) return
  const strangers = readdirSync(dir).filter((entry) => !STATE_ENTRIES.has(entry))
  if (strangers.length)
    throw new LabError(
      `${dir} holds ${strangers.slice(0, 3).join(', ')}, which scripts/lab did not make; not touching it`,
    )
}

async function down(options) {
  if (process.getuid?.() !== 0) throw new LabError('must run as root: sudo scripts/lab down ...')
  const name = checkName(options.name ?? DEFAULT_NAME)
  const registered = readJson(registryFile(name))
  const stateDir = options['state-dir'] ?? registered?.stateDir ?? defaultStateDir(name)
  checkRemovable(stateDir)
  const names = labNames(name)
  const hosts = discover(name, stateDir)
  const started = Date.now()

  // Engines first, so that they remove their containers, then sshd, then whatever is left inside.
  await Promise.all(hosts.map(stopEngine))
  const sshds = hosts.map((host) => recordedProcess(join(host.dir, 'sshd.pid'))).filter(Boolean)
  await terminate(sshds, 5_000)
  for (let round = 0; round < 4; round++) {
    const left = processesOf(hosts)
    if (left.length === 0) break
    log(`stopping ${left.length} process(es) left on the hosts`)
    const survivors = await terminate(left, 3_000)
    if (survivors.length && round === 3) log(`processes ${survivors.join(', ')} survived SIGKILL`)
  }

  // Namespaces, interfaces, firewall rule, cgroups, mounts, state.
  for (const point of mountsUnder(stateDir)) {
    if (run('umount', [point], { allowFail: true }).code !== 0)
      run('umount', ['-l', point], { allowFail: true })
  }
  for (const host of hosts) {
    run('ip', ['netns', 'delete', host.netns], { allowFail: true })
    run('ip', ['link', 'delete', host.veth], { allowFail: true })
  }
  run('ip', ['link', 'delete', names.bridge], { allowFail: true })
  removeBridgeRules(name)
  removeCgroups(hosts)
  const leftMounts = mountsUnder(stateDir)
  if (leftMounts.length)
    throw new LabError(`still mounted, not removing ${stateDir}: ${leftMounts.join(', ')}`)
  rmSync(stateDir, { recursive: true, force: true })

  await withLock(async () => {
    rmSync(registryFile(name), { force: true })
    releaseUsers()
  })
  log(`lab ${name} is down (${((Date.now() - started) / 1000).toFixed(1)} s)`)
}

// ---------------------------------------------------------------------------------------------
// rotate-host-key, status

function loadLab(name) {
  const registered = readJson(registryFile(name))
  const stateDir = registered?.stateDir ?? defaultStateDir(name)
  const lab = readJson(join(stateDir, 'lab.json'))
  if (!lab)
    throw new LabError(
      `lab ${name} is not up (no ${join(stateDir, 'lab.json')}): scripts/lab up --name ${name}`,
    )
  return lab
}

async function rotateHostKey(options) {
  if (process.getuid?.() !== 0) throw new LabError('must run as root: sudo scripts/lab rotate-host-key ...')
  const name = checkName(options.name ?? DEFAULT_NAME)
  const lab = loadLab(name)
  const entry = lab.hosts.find((host) => host.index === Number(options.host))
  if (!entry) throw new LabError(`--host ${options.host}: lab ${name} has hosts 1 to ${lab.hosts.length}`)
  const host = { ...entry, dir: join(lab.stateDir, 'hosts', `h${entry.index}`) }
  const hostKey = join(host.dir, 'ssh_host_ed25519_key')
  const fresh = `${hostKey}.new`
  rmSync(fresh, { force: true })
  rmSync(`${fresh}.pub`, { force: true })
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${host.name}`, '-f', fresh])
  renameSync(`${fresh}.pub`, `${hostKey}.pub`)
  renameSync(fresh, hostKey)
  const old = recordedProcess(join(host.dir, 'sshd.pid'))
  if (old && (await terminate([old], 5_000)).length)
    throw new LabError(`sshd ${old} of ${host.name} did not stop`)
  host.enter = [
    `--net=/var/run/netns/${host.name}`,
    `--mount=${join(lab.stateDir, 'ns', `h${host.index}.mnt`)}`,
    `--uts=${join(lab.stateDir, 'ns', `h${host.index}.uts`)}`,
    '--',
  ]
  startSshd(host)
  await waitForSsh(host.address, host.sshPort, host.sshdPid, host.sshdLog)
  entry.hostKeyFingerprint = fingerprintOf(`${hostKey}.pub`)
  writeJson(join(lab.stateDir, 'lab.json'), lab)
  log(`${host.name} has a new host key`)
  process.stdout.write(
    `${JSON.stringify({ name, host: entry.index, hostKeyFingerprint: entry.hostKeyFingerprint })}\n`,
  )
}

function hostStatus(lab, host) {
  const dir = join(lab.stateDir, 'hosts', `h${host.index}`)
  const sshdPid = recordedProcess(join(dir, 'sshd.pid'))
  const dockerdPid = host.docker ? recordedProcess(join(dir, 'dockerd.pid')) : undefined
  return {
    ...host,
    sshd: sshdPid ? 'running' : 'stopped',
    ...(sshdPid ? { sshdPid } : {}),
    ...(host.docker ? { engine: dockerdPid ? 'running' : 'stopped' } : {}),
    ...(dockerdPid ? { dockerdPid } : {}),
  }
}

async function status(options) {
  if (process.getuid?.() !== 0) throw new LabError('must run as root: sudo scripts/lab status ...')
  if (options.name) {
    const lab = loadLab(checkName(options.name))
    const hosts = lab.hosts.map((host) => hostStatus(lab, host))
    const healthy = hosts.every((host) => host.sshd === 'running' && host.engine !== 'stopped')
    process.stdout.write(`${JSON.stringify({ ...lab, healthy, hosts }, null, 2)}\n`)
    return
  }
  const labs = registeredLabs().map((entry) => {
    const lab = readJson(join(entry.stateDir, 'lab.json'))
    if (!lab)
      return { name: entry.name, stateDir: entry.stateDir, subnet: entry.subnet, healthy: false, hosts: [] }
    const hosts = lab.hosts.map((host) => hostStatus(lab, host))
    const healthy = hosts.every((host) => host.sshd === 'running' && host.engine !== 'stopped')
    return {
      name: lab.name,
      stateDir: lab.stateDir,
      subnet: lab.subnet,
      gateway: lab.gateway,
      healthy,
      hosts,
    }
  })
  process.stdout.write(`${JSON.stringify({ labs }, null, 2)}\n`)
}

// ---------------------------------------------------------------------------------------------

const USAGE = `usage:
  scripts/lab up --hosts N [--name NAME] [--no-docker LIST] [--with-node] [--state-dir DIR] [--subnet CIDR]
  scripts/lab down [--name NAME] [--state-dir DIR]
  scripts/lab rotate-host-key --name NAME --host I
  scripts/lab status [--name NAME]
NAME defaults to ${DEFAULT_NAME}. See docs/LAB.md.`

async function main() {
  const [command, ...rest] = process.argv.slice(2)
  const { values } = parseArgs({
    args: rest,
    options: {
      hosts: { type: 'string' },
      name: { type: 'string' },
      'no-docker': { type: 'string' },
      'with-node': { type: 'boolean' },
      'state-dir': { type: 'string' },
      subnet: { type: 'string' },
      host: { type: 'string' },
    },
    strict: true,
  })
  switch (command) {
    case 'up':
      if (values.hosts === undefined) throw new LabError(`up needs --hosts N\n${USAGE}`)
      return up(values)
    case 'down':
      return down(values)
    case 'rotate-host-key':
      if (values.host === undefined) throw new LabError(`rotate-host-key needs --host I\n${USAGE}`)
      return rotateHostKey(values)
    case 'status':
      return status(values)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stderr.write(`${USAGE}\n`)
      return
    default:
      throw new LabError(`unknown command ${command}\n${USAGE}`)
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    log(
      error instanceof LabError || error?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? error.message
        : error.stack,
    )
    process.exit(1)
  },
)
