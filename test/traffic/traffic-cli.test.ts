// `npm run traffic` as a user runs it: the script bundles the CLI and loads a loopback server.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { repoRoot } from '../support/headless-process'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the CLI without blocking this process, which serves the requests. */
function traffic(args: string[], { interruptAfterMs }: { interruptAfterMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts/traffic.mjs'), ...args], { cwd: repoRoot })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk
      // Interrupt once the run is really going, as a person pressing Ctrl-C would.
      if (interruptAfterMs !== undefined && /\d+ s {2}target/.test(stdout)) {
        setTimeout(() => child.kill('SIGINT'), interruptAfterMs)
        interruptAfterMs = undefined
      }
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

async function server(): Promise<{ url: string; requests: () => number }> {
  let requests = 0
  const http = createServer((_req, res) => {
    requests++
    res.end('ok')
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  cleanups.push(async () => {
    http.closeAllConnections()
    await new Promise((resolve) => http.close(resolve))
  })
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, requests: () => requests }
}

describe('npm run traffic', () => {
  it('prints a line per second and a summary', async () => {
    const target = await server()
    const result = await traffic(['--url', target.url, '--rate', '20', '--duration', '2.5'])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const lines = result.stdout.trimEnd().split('\n')
    const progress = lines.filter((line) =>
      /^ +\d+ s {2}target 20\.0\/s {2}sent [\d.]+\/s {2}done/.test(line),
    )
    expect(progress).toHaveLength(2)
    expect(progress[0]).toMatch(/p50 [\d.]+ ms {2}p99 [\d.]+ ms {2}in flight \d+ {2}errors 0$/)
    expect(result.stdout).toContain(`Summary: steady open loop against ${target.url}/`)
    expect(result.stdout).toMatch(/requests {2}50 sent \(20\.0\/s\), 50 done/)
    expect(result.stdout).toContain('status    200 × 50')
    expect(target.requests()).toBe(50)
  })

  it('answers --help', async () => {
    const result = await traffic(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Usage: npm run traffic -- --url URL/)
  })

  it.each([
    [
      ['--url', 'http://127.0.0.1:9', '--rate', 'many', '--duration', '1'],
      "--rate must be a number, got 'many'",
    ],
    [['--url', 'http://127.0.0.1:9', '--pattern', 'zigzag', '--rate', '1'], '--pattern must be one of'],
    [['--rate', '1', '--duration', '1'], '--url is required'],
    [
      ['--url', 'http://10.1.2.3/', '--rate', '1', '--duration', '1'],
      'Refused http://10.1.2.3: 10.1.2.3 is not loopback',
    ],
  ])('exits 2 with one line for %j', async (args, message) => {
    const result = await traffic(args)
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(message)
    expect(result.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('names the file and line of a malformed trace', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'acs-trace-')), 'monday.csv')
    writeFileSync(file, 'second,requests_per_second\n0,5\n1,five\n')
    const result = await traffic(['--url', 'http://127.0.0.1:9', '--pattern', 'trace', '--trace', file])
    expect(result.code).toBe(2)
    expect(result.stderr.trim()).toBe(
      "traffic: monday.csv line 3: requests_per_second 'five' is not a number ≥ 0",
    )
  })

  it('replays a trace, compressed', async () => {
    const target = await server()
    const file = join(mkdtempSync(join(tmpdir(), 'acs-trace-')), 'day.csv')
    writeFileSync(file, '0,10\n2,30\n')
    const result = await traffic([
      '--url',
      target.url,
      '--pattern',
      'trace',
      '--trace',
      file,
      '--compress',
      '2',
    ])
    expect(result.code).toBe(0)
    // The rows hold 2 s and (the last one) 1 s of trace time; twice as fast, 1 s at 10/s and 0.5 s at 30/s.
    expect(result.stdout).toContain('Summary: trace open loop')
    expect(target.requests()).toBe(25)
  })

  it('stops on Ctrl-C and still prints the summary', async () => {
    const target = await server()
    const result = await traffic(['--url', target.url, '--rate', '20', '--duration', '30'], {
      interruptAfterMs: 100,
    })
    expect(result.code).toBe(130)
    expect(result.stdout).toMatch(/\(ended: stopped\)/)
    expect(result.stderr).toContain('stopping')
    expect(target.requests()).toBeLessThan(60)
  })
})
