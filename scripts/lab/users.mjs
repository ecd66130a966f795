// The users all labs share: acs (sudo, docker group) and acs-nosudo, with passwords and key pairs. The
// first `up` makes them (and the docker group and missing mount points); the last `down` removes them.
import { randomBytes } from 'node:crypto'
import { chmodSync, cpSync, existsSync, readFileSync, rmdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { makeDir, readJson, writeFile, writeJson } from './files.mjs'
import { generateKey } from './keys.mjs'
import { LAB_ROOT, labPaths, MADE_MOUNT_POINTS, REGISTRY_DIR, USERS_DIR } from './layout.mjs'
import { LabError, log } from './log.mjs'
import { findProcesses } from './processes.mjs'
import { registeredLabs } from './registry.mjs'
import { findCommand, run } from './run.mjs'

export const ADMIN = 'acs'
export const NOSUDO = 'acs-nosudo'
const SUDOERS_FILE = '/etc/sudoers.d/acs-lab'
/** What ensureUsers made (users, groups, dirs, files), so that the last `down` removes exactly that. */
const CREATED_FILE = join(USERS_DIR, 'created.json')

const userExists = (user) => run('getent', ['passwd', user], { allowFail: true }).code === 0
const groupExists = (group) => run('getent', ['group', group], { allowFail: true }).code === 0

function groupsOf(user) {
  return run('id', ['-nG', user], { allowFail: true }).stdout.trim().split(/\s+/)
}

/**
 * Makes the lab users (once per machine), their passwords and key pairs, the docker group and the
 * mount points the hosts need. Returns the passwords by user.
 */
export function ensureUsers() {
  const created = readJson(CREATED_FILE) ?? { users: [], groups: [], dirs: [], files: [] }
  for (const user of [ADMIN, NOSUDO]) {
    if (userExists(user) && !created.users.includes(user))
      throw new LabError(
        `user ${user} exists but was not made by scripts/lab; remove it (userdel ${user}) or use another machine`,
      )
  }
  makeDir(USERS_DIR, 0o700)
  // Each thing is listed before it is made: a `down` after a crash in between still removes it.
  const save = () => writeJson(CREATED_FILE, created)
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
      generateKey(key, `${user}@acs-lab`)
    }
  }
  writeJson(credentialsFile, credentials)
  run('chpasswd', [], { input: [ADMIN, NOSUDO].map((u) => `${u}:${credentials[u].password}\n`).join('') })
  return credentials
}

/**
 * A lab's copy of the users' private keys (callers read them there) and their public keys as the
 * authorized keys its sshds read. Returns the users as the lab's JSON lists them.
 */
export function copyUsersToLab(stateDir, credentials) {
  const { usersDir, keysDir } = labPaths(stateDir)
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
  return users
}

/** [uid, gid] by user, for the home directories of each host. */
export function userOwners() {
  const uid = (user) => Number(run('id', ['-u', user]).stdout.trim())
  const gid = (user) => Number(run('id', ['-g', user]).stdout.trim())
  return Object.fromEntries([ADMIN, NOSUDO].map((user) => [user, [uid(user), gid(user)]]))
}

function liveProcessesOf(user) {
  const uid = run('id', ['-u', user], { allowFail: true }).stdout.trim()
  const uidLine = new RegExp(`^Uid:\\s+${uid}\\s`, 'm')
  return findProcesses((pid) => uidLine.test(readFileSync(`/proc/${pid}/status`, 'utf8')))
}

/** Removes what ensureUsers made, once no lab is registered any more. */
export function releaseUsers() {
  if (registeredLabs().length > 0) return
  const created = readJson(CREATED_FILE)
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
