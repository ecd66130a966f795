// The bundled server is what the image runs: one self-contained file that starts from the environment
// and exits cleanly on SIGTERM (as PID 1 in a container, an unhandled SIGTERM would be ignored).
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { bundleWorkloadServer } from './bundle'

let dir: string | undefined

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

it('bundles to one file that serves from its environment and exits 0 on SIGTERM', async () => {
  const source = await bundleWorkloadServer()
  expect(source).not.toMatch(/require\(["'](?!node:)[^"']+["']\)/)
  dir = await mkdtemp(join(tmpdir(), 'acs-workload-'))
  const file = join(dir, 'server.js')
  await writeFile(file, source)

  const child = spawn(process.execPath, [file], {
    env: { PORT: '0', HOST: '127.0.0.1', SERVED_BY: 'vm/bundle', CPUS: '0.2' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const match = /listening on [^\s]+:(\d+)/.exec(out)
        if (match) resolve(Number(match[1]))
      })
      child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)))
    })
    const res = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(res.headers.get('x-served-by')).toBe('vm/bundle')
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  } finally {
    child.kill('SIGKILL')
  }
})
