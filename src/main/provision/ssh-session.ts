// One SSH connection to a host, as the deploy uses it: connect with host-key checking, run command
// lines (streamed line by line), and copy files over SFTP.
import type { Socket } from 'node:net'
import ssh2, { type Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2'
import { checkHostKey, hostKeyId, type KnownHosts, type PresentedKey, presentedKey } from './known-hosts'
import {
  connectFailure,
  connectSocket,
  credentials,
  keyError,
  SshError,
  type SshLoginDetails,
  whenAborted,
} from './ssh-login'

export interface ConnectOptions {
  login: SshLoginDetails
  knownHosts: KnownHosts
  timeoutMs?: number
  signal?: AbortSignal
  env?: NodeJS.ProcessEnv
}

export type HostKeyStatus = { status: 'trusted' | 'first-use'; key: PresentedKey }

export type OutputStream = 'stdout' | 'stderr'

export interface ExecOptions {
  onLine?: (stream: OutputStream, text: string) => void
  timeoutMs?: number
  signal?: AbortSignal
}

export interface ExecResult {
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
}

const MAX_CAPTURE = 1 << 20

export class SshSession {
  private sftpChannel: Promise<SFTPWrapper> | undefined
  private closedBecause: string | undefined

  private constructor(
    private readonly client: Client,
    private readonly socket: Socket,
    readonly login: SshLoginDetails,
    readonly hostKey: HostKeyStatus,
  ) {
    client.on('close', () => {
      this.closedBecause ??= `the connection to ${login.host} closed`
    })
    client.on('error', (error) => {
      this.closedBecause ??= `the connection to ${login.host} failed: ${error.message}`
    })
  }

  /** The VIM's end of the connection: the address the host routes back to the VIM. */
  get localAddress(): string {
    return this.socket.localAddress ?? ''
  }
  get localPort(): number {
    return this.socket.localPort ?? 0
  }
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? ''
  }

  static async open(options: ConnectOptions): Promise<SshSession> {
    const { login, knownHosts } = options
    const timeoutMs = options.timeoutMs ?? 20_000
    const label = hostKeyId(login.host, login.port)
    const config: ConnectConfig = {
      username: login.user,
      readyTimeout: timeoutMs,
      keepaliveInterval: 5_000,
      keepaliveCountMax: 3,
      ...(await credentials(login, options.env ?? process.env)),
    }
    const socket = await connectSocket(login.host, login.port, timeoutMs, options.signal)
    // ssh2 is CommonJS: Node's ESM loader gives its classes only through the default export.
    const client = new ssh2.Client()
    let hostKey: HostKeyStatus | undefined
    let refusal: string | undefined
    config.sock = socket
    config.hostVerifier = (keyBlob: Buffer) => {
      const key = presentedKey(keyBlob)
      const check = checkHostKey(label, knownHosts.get(login.host, login.port), key)
      if (check.kind === 'changed') {
        refusal = check.message
        return false
      }
      if (check.kind === 'new') knownHosts.trust(login.host, login.port, key)
      hostKey = { status: check.kind === 'new' ? 'first-use' : 'trusted', key }
      return true
    }
    if (login.auth === 'password') {
      // Hosts that offer only keyboard-interactive get the password as the answer to every prompt.
      config.tryKeyboard = true
      client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) =>
        finish(prompts.map(() => login.password ?? '')),
      )
    }
    await new Promise<void>((resolve, reject) => {
      // ssh2 may report more errors after the first (the socket closing too); all but the first are noise.
      let settled = false
      const settle = (error?: SshError) => {
        if (settled) return
        settled = true
        options.signal?.removeEventListener('abort', onAbort)
        if (!error) return resolve()
        client.end()
        socket.destroy()
        reject(error)
      }
      const onAbort = () => settle(new SshError(`Connecting to ${label} was cancelled`))
      whenAborted(options.signal, onAbort)
      client.once('ready', () => settle())
      client.on('error', (error: Error & { level?: string }) =>
        settle(
          refusal
            ? new SshError(refusal, 'host_key_changed')
            : new SshError(
                connectFailure(error, login, label, timeoutMs),
                error.level === 'client-authentication' ? 'login_refused' : undefined,
              ),
        ),
      )
      client.on('close', () =>
        settle(
          refusal
            ? new SshError(refusal, 'host_key_changed')
            : new SshError(`${label} closed the connection during the SSH handshake`),
        ),
      )
      try {
        client.connect(config)
      } catch (error) {
        settle(keyError(login, error))
      }
    })
    if (!hostKey) throw new SshError(`${label} sent no host key`)
    return new SshSession(client, socket, login, hostKey)
  }

  /** Runs one command line (build it with shellQuote or scriptCommand); stdin is closed at once. */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (this.closedBecause) return reject(new SshError(this.closedBecause))
      this.client.exec(command, (error, channel) => {
        if (error) return reject(new SshError(this.closedBecause ?? `cannot run a command: ${error.message}`))
        collect(channel, options, () => this.closedBecause).then(resolve, reject)
      })
    })
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise((resolve, reject) =>
      this.client.sftp((error, sftp) =>
        error
          ? reject(new SshError(`SFTP is not available on ${this.login.host}: ${error.message}`))
          : resolve(sftp),
      ),
    )
    return this.sftpChannel
  }

  /** Copies a local file to `remotePath` (created with `mode`); `onProgress` sees the bytes sent so far. */
  async upload(
    localPath: string,
    remotePath: string,
    options: { mode: number; onProgress?: (sent: number, total: number) => void; signal?: AbortSignal },
  ): Promise<void> {
    const sftp = await this.sftp()
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new SshError('cancelled'))
      whenAborted(options.signal, onAbort)
      const onClose = () =>
        reject(new SshError(this.closedBecause ?? `the connection to ${this.login.host} closed`))
      this.client.once('close', onClose)
      sftp.fastPut(
        localPath,
        remotePath,
        { mode: options.mode, step: (sent, _chunk, total) => options.onProgress?.(sent, total) },
        (error) => {
          this.client.off('close', onClose)
          options.signal?.removeEventListener('abort', onAbort)
          if (error) reject(new SshError(this.closedBecause ?? error.message))
          else resolve()
        },
      )
    })
  }

  /** Writes `content` to a new file at `remotePath`; `mode` applies from its creation. */
  async writeFile(remotePath: string, content: string | Buffer, mode: number): Promise<void> {
    const sftp = await this.sftp()
    await new Promise<void>((resolve, reject) =>
      sftp.writeFile(remotePath, content, { mode, flag: 'wx' }, (error) =>
        error
          ? reject(new SshError(this.closedBecause ?? `cannot write ${remotePath}: ${error.message}`))
          : resolve(),
      ),
    )
  }

  get closed(): boolean {
    return this.closedBecause !== undefined
  }

  close(): void {
    this.client.end()
    this.socket.destroy()
  }
}

/** Splits a stream into lines for the live log while keeping (a bounded copy of) the whole output. */
function collect(
  channel: ClientChannel,
  options: ExecOptions,
  closedBecause: () => string | undefined,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const captured: Record<OutputStream, string> = { stdout: '', stderr: '' }
    const partial: Record<OutputStream, string> = { stdout: '', stderr: '' }
    let code: number | null = null
    let signal: string | null = null
    const take = (stream: OutputStream) => (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      if (captured[stream].length < MAX_CAPTURE) captured[stream] += text
      const lines = (partial[stream] + text).split('\n')
      partial[stream] = lines.pop() ?? ''
      for (const line of lines) options.onLine?.(stream, line.replace(/\r$/, ''))
    }
    channel.on('data', take('stdout'))
    channel.stderr.on('data', take('stderr'))
    channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
      code = exitCode
      signal = exitSignal ?? null
    })
    let timer: NodeJS.Timeout | undefined
    const stop = (message: string) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      channel.close()
      reject(new SshError(message))
    }
    const onAbort = () => stop('cancelled')
    whenAborted(options.signal, onAbort)
    if (options.timeoutMs)
      timer = setTimeout(
        () => stop(`no answer within ${Math.round(options.timeoutMs! / 1000)} s`),
        options.timeoutMs,
      )
    channel.on('close', () => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      for (const stream of ['stdout', 'stderr'] as const)
        if (partial[stream]) options.onLine?.(stream, partial[stream].replace(/\r$/, ''))
      const reason = closedBecause()
      if (code === null && signal === null && reason) return reject(new SshError(reason))
      resolve({ code, signal, stdout: captured.stdout, stderr: captured.stderr })
    })
    channel.end()
  })
}
