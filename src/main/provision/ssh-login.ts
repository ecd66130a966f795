// Logging in to a host over SSH: the credentials a login needs, the TCP connection, and every way
// these fail turned into a sentence that says what to check.
import { connect as connectTcp, type Socket } from 'node:net'
import ssh2, { type ConnectConfig } from 'ssh2'

// ssh2 is CommonJS: Node's ESM loader exposes only its default export by name.
const { utils } = ssh2

import type { DeployErrorCode } from '../../shared/domain/provision'
import { errorMessage } from '../../shared/issues'
import { readKeyFile } from './key-file'
import { hostKeyId } from './known-hosts'

export interface SshLoginDetails {
  host: string
  port: number
  user: string
  auth: 'key' | 'password' | 'agent'
  keyPath?: string | undefined
  password?: string | undefined
  passphrase?: string | undefined
}

/** A failure whose message is meant for the person deploying. */
export class SshError extends Error {
  override name = 'SshError'
  constructor(
    message: string,
    /** Set when the user can act on it in the UI (type a secret, forget a host key). */
    readonly code?: DeployErrorCode,
  ) {
    super(message)
  }
}

/** Calls `onAbort` when the signal aborts, or at once if it already has. */
export function whenAborted(signal: AbortSignal | undefined, onAbort: () => void): void {
  if (signal?.aborted) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
}

export async function credentials(
  login: SshLoginDetails,
  env: NodeJS.ProcessEnv,
): Promise<Partial<ConnectConfig>> {
  const who = `${login.user}@${login.host}`
  switch (login.auth) {
    case 'password':
      if (!login.password)
        throw new SshError(`SSH login as ${who} needs a password: enter it and deploy again`, 'secret_needed')
      return { password: login.password }
    case 'agent':
      if (!env.SSH_AUTH_SOCK)
        throw new SshError(
          'No SSH agent is running for the VIM (SSH_AUTH_SOCK is not set): start one and add your key, or log in with a key file',
        )
      return { agent: env.SSH_AUTH_SOCK }
    case 'key': {
      if (!login.keyPath) throw new SshError(`SSH login as ${who} needs a key file`)
      let privateKey: Buffer
      try {
        privateKey = await readKeyFile(login.keyPath)
      } catch (error) {
        const message = errorMessage(error)
        throw new SshError(
          message.startsWith('The SSH key')
            ? message
            : `Cannot read the SSH key ${login.keyPath}: ${message}`,
        )
      }
      // Checked here, before any connection, so that a key problem is named as one.
      const parsed = utils.parseKey(privateKey, login.passphrase)
      if (parsed instanceof Error) throw keyError(login, parsed)
      return { privateKey, ...(login.passphrase && { passphrase: login.passphrase }) }
    }
  }
}

/** A key that cannot be used, with the code that lets the UI ask for the (right) passphrase. */
export function keyError(login: SshLoginDetails, error: unknown): SshError {
  const message = keyProblem(login, error)
  if (login.auth !== 'key') return new SshError(message)
  if (/ is encrypted: /.test(message)) return new SshError(message, 'secret_needed')
  if (/passphrase .* is wrong/.test(message)) return new SshError(message, 'secret_needed')
  return new SshError(message)
}

export function keyProblem(login: SshLoginDetails, error: unknown): string {
  const message = errorMessage(error)
  if (login.auth !== 'key') return message
  if (/no passphrase/i.test(message))
    return `The SSH key ${login.keyPath} is encrypted: give its passphrase and deploy again`
  if (/passphrase|decrypt|bad decrypt/i.test(message))
    return `The passphrase of the SSH key ${login.keyPath} is wrong: check it and deploy again`
  return `The SSH key ${login.keyPath} cannot be used (${message}): choose an OpenSSH or PEM private key`
}

export function connectSocket(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Socket> {
  const label = hostKeyId(host, port)
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port })
    const fail = (message: string) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      reject(new SshError(message))
    }
    const onAbort = () => fail(`Connecting to ${label} was cancelled`)
    const timer = setTimeout(
      () =>
        fail(
          `No answer from ${label} within ${Math.round(timeoutMs / 1000)} s: check the address, that the host is on and that no firewall drops SSH`,
        ),
      timeoutMs,
    )
    whenAborted(signal, onAbort)
    socket.once('connect', () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => fail(socketFailure(error, host, port)))
  })
}

export function socketFailure(error: NodeJS.ErrnoException, host: string, port: number): string {
  const label = hostKeyId(host, port)
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${label} refused the connection: check that sshd runs there and listens on port ${port}`
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${label} is unreachable from the VIM (no route): check the address and that the host is on`
    case 'ETIMEDOUT':
      return `No answer from ${label}: check the address, that the host is on and that no firewall drops SSH`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host name ${host} does not resolve: check the address`
    default:
      return `Cannot connect to ${label}: ${error.message}`
  }
}

const AUTH_HINT: Record<SshLoginDetails['auth'], string> = {
  password: 'check the user and password',
  key: "check the user and that the key's public half is in the user's ~/.ssh/authorized_keys",
  agent: 'check the user and the keys your SSH agent holds',
}

export function connectFailure(
  error: Error & { level?: string; code?: string },
  login: SshLoginDetails,
  label: string,
  timeoutMs: number,
): string {
  if (error.level === 'client-authentication')
    return `SSH login as ${login.user}@${login.host} was refused (${login.auth}): ${AUTH_HINT[login.auth]}`
  if (error.level === 'client-timeout')
    return `${label} accepted the connection but did not complete the SSH handshake within ${Math.round(timeoutMs / 1000)} s: is it an SSH server?`
  if (error.level === 'client-socket' && error.code) return socketFailure(error, login.host, login.port)
  if (error.level === 'agent') return `The SSH agent failed: ${error.message}`
  return `SSH connection to ${label} failed: ${error.message}`
}
