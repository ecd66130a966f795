// What a user sees when the agent is given bad input: one clear line, a non-zero exit, or — for a VIM
// that refuses it — a clear message while its containers keep serving.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { createNonce } from '../../src/shared/protocol/auth'
import { PROTOCOL_VERSION } from '../../src/shared/protocol/messages'
import { startAgent, waitFor } from '../support/agent-process'
import { removeContainersOf, shouldRunDocker } from '../support/docker'
import { runToExit, testEnv } from '../support/headless-process'

const runAgent = (args: string[]) =>
  runToExit('npm', ['run', '--silent', 'agent', '--', ...args], testEnv(), 60_000)

describe('vmm-agent bad input', () => {
  it('refuses an unknown flag with one line and exit code 2', async () => {
    const result = await runAgent(['--name', 'x', '--bogus'])
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toBe("vmm-agent: Unknown option '--bogus' (see --help)")
  })

  it('refuses a damaged key file with exit code 3, naming it, and never replaces it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'acs-agent-key-'))
    try {
      const keyFile = join(dir, 'agent.key')
      writeFileSync(keyFile, 'not a key\n', { mode: 0o600 })
      const result = await runAgent([
        '--name',
        'x',
        '--vim',
        'ws://127.0.0.1:9',
        '--token',
        't',
        '--key-file',
        keyFile,
        '--runtime',
        'process',
      ])
      expect(result.code).toBe(3)
      expect(result.stderr).toMatch(
        new RegExp(
          `^vmm-agent: the agent key ${keyFile} is unusable: not a private key in PEM form\\. It is never replaced`,
        ),
      )
      expect(readFileSync(keyFile, 'utf8')).toBe('not a key\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('says plainly when Docker cannot be reached', async () => {
    const result = await runAgent(['--name', 'x', '--docker-host', 'unix:///tmp/acs-no-such-docker.sock'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /^vmm-agent: Docker is not reachable at unix:\/\/\/tmp\/acs-no-such-docker.sock/m,
    )
  })
})

describe.runIf(shouldRunDocker())('vmm-agent bad input with Docker', () => {
  const vmName = `btest-${randomBytes(3).toString('hex')}`
  afterAll(() => removeContainersOf(vmName))

  it('says how to provide an image that is not there', async () => {
    const result = await runAgent(['--name', vmName, '--image', 'acs-no-such-image:1', '--lb-port', '0'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/acs-no-such-image:1.*docker load/s)
  })

  it('keeps serving when the VIM rejects its join token, and says why', async () => {
    // A VIM that challenges and then refuses every proof, as the hub does for a wrong token.
    const http = createServer()
    const wss = new WebSocketServer({ server: http })
    wss.on('connection', (socket) => {
      socket.send(JSON.stringify({ type: 'challenge', v: PROTOCOL_VERSION, nonce: createNonce() }))
      socket.on('message', () => socket.close(4401, 'join token proof failed'))
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    const vim = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`

    const agent = await startAgent([
      '--name',
      vmName,
      '--vim',
      vim,
      '--token',
      'wrong-token',
      '--cpus-per-container',
      '0.1',
      '--memory-per-container',
      '64m',
      '--lb-host',
      '127.0.0.1',
      '--lb-port',
      '0',
      '--cleanup-on-exit',
    ])
    try {
      await waitFor(
        'the rejection in the agent log',
        async () =>
          /link: rejected: the VIM rejected the join token: check --token/.test(agent.output())
            ? true
            : undefined,
        30_000,
      )
      const status = await waitFor(
        'a ready container despite the rejection',
        async () => {
          const s = await agent.status()
          return s.replicas.some((r) => r.state === 'ready') ? s : undefined
        },
        60_000,
      )
      expect(status.mode).toBe('standalone')
      expect(status.link).toMatch(/^rejected: /)
      expect((await fetch(`${agent.lbUrl}/`)).status).toBe(200)
    } finally {
      await agent.stop()
      wss.close()
      http.close()
    }
  })
})
