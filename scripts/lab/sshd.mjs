// A host's OpenSSH server: host key, configuration (its address, passwords and keys, authorized keys in
// the lab's state directory), start in the host's namespaces, and the wait for its banner.
import { renameSync, rmSync } from 'node:fs'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { writeFile } from './files.mjs'
import { fingerprintOf, generateKey } from './keys.mjs'
import { LabError } from './log.mjs'
import { alive, recordProcess, startDaemon, tail } from './processes.mjs'
import { ADMIN, NOSUDO } from './users.mjs'

export const SSHD = '/usr/sbin/sshd'
const SSH_READY_MS = 20_000

/** A new host key at `hostKey`; returns its fingerprint. */
export function makeHostKey(hostKey, hostName) {
  generateKey(hostKey, `root@${hostName}`)
  return fingerprintOf(`${hostKey}.pub`)
}

/** Replaces the host key by a new one; the key files are swapped whole, never half written. */
export function replaceHostKey(hostKey, hostName) {
  const fresh = `${hostKey}.new`
  rmSync(fresh, { force: true })
  rmSync(`${fresh}.pub`, { force: true })
  generateKey(fresh, `root@${hostName}`)
  renameSync(`${fresh}.pub`, `${hostKey}.pub`)
  renameSync(fresh, hostKey)
}

export function writeSshdConfig(host, paths, keysDir) {
  const config = [
    `# sshd of lab host ${host.name}, made by scripts/lab.`,
    'Port 22',
    `ListenAddress ${host.address}`,
    'AddressFamily inet',
    `HostKey ${paths.hostKey}`,
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
  writeFile(paths.sshdConfig, config)
}

/** Starts sshd in the host's namespaces (`enter`: nsenter's arguments); returns its pid. */
export function startSshd(enter, paths) {
  const pid = startDaemon(
    'nsenter',
    [...enter, SSHD, '-D', '-f', paths.sshdConfig, '-E', paths.sshdLog],
    paths.sshdLog,
  )
  recordProcess(paths.sshdPid, pid)
  return pid
}

/** Resolves once `address:port` answers with an SSH banner; `signal` stops the wait. */
export async function waitForSsh(address, port, pid, logFile, { signal } = {}) {
  const deadline = Date.now() + SSH_READY_MS
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
    `sshd on ${address}:${port} did not answer within ${SSH_READY_MS} ms (${last}); its log:\n${tail(logFile)}`,
  )
}
