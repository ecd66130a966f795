// Runs a piece of a benchmark (a proxy, the backends, the VIM's hub) in its own Node process, so that
// its CPU and event loop are its own and the load generator does not share them. The TypeScript entry
// is bundled on the fly with esbuild, which works the same from the bench bundle and under vitest.
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { ChildReply, ChildRequest } from './bench-child-runtime'

/** The repository root: the first folder above this module that holds package.json and bench/. */
export function repositoryRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no repository root (package.json + bench/) above ${from}`)
    dir = parent
  }
}

const bundles = new Map<string, Promise<string>>()

/**
 * Bundles `entry` (a path relative to the repository root) into dist/bench-children/, inside the
 * repository so that its imports resolve the project's node_modules. Written to a temporary name and
 * renamed, so that a concurrent run never loads half a file.
 */
export function bundleEntry(entry: string): Promise<string> {
  let bundled = bundles.get(entry)
  if (!bundled) {
    bundled = (async () => {
      const root = repositoryRoot()
      const result = await build({
        entryPoints: [join(root, entry)],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        write: false,
        logLevel: 'silent',
      })
      const outfile = join(
        root,
        'dist',
        'bench-children',
        `${relative('bench', entry).replace(/\.ts$/, '').replace(/[\\/]/g, '-')}.mjs`,
      )
      await mkdir(dirname(outfile), { recursive: true })
      const temporary = `${outfile}.${process.pid}.tmp`
      await writeFile(temporary, result.outputFiles[0]!.contents)
      await rename(temporary, outfile)
      return outfile
    })()
    bundled.catch(() => bundles.delete(entry))
    bundles.set(entry, bundled)
  }
  return bundled
}

export interface BenchChild<Ready> {
  readonly pid: number
  /** What the child said when it was ready (e.g. the ports it listens on). */
  readonly ready: Ready
  /** Calls one of the child's handlers and waits for its answer. */
  request<T>(name: string, argument?: unknown, timeoutMs?: number): Promise<T>
  /** Asks the child to stop, and kills it (by its pid) if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

export interface StartChildOptions {
  args?: string[]
  readyTimeoutMs?: number
}

/** Forks the bundled `entry` and waits for its ready message; the child's stderr is kept for errors. */
export async function startBenchChild<Ready>(
  entry: string,
  { args = [], readyTimeoutMs = 15_000 }: StartChildOptions = {},
): Promise<BenchChild<Ready>> {
  const file = await bundleEntry(entry)
  // execArgv: [] so that vitest's or a debugger's flags do not leak into the measured process.
  const child = fork(file, args, { execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const why = () => (stderr.trim() ? `: ${stderr.trim()}` : '')

  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  let nextId = 1
  let readyMessage: Ready | undefined
  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${entry} was not ready within ${readyTimeoutMs} ms${why()}`)),
      readyTimeoutMs,
    )
    child.on('message', (raw) => {
      const message = raw as ChildReply
      if (message.kind === 'ready') {
        clearTimeout(timer)
        readyMessage = message.ready as Ready
        resolve(readyMessage)
        return
      }
      const waiter = pending.get(message.id)
      pending.delete(message.id)
      if (message.kind === 'result') waiter?.resolve(message.result)
      else waiter?.reject(new Error(`${entry}: ${message.error}`))
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`${entry} exited (code ${child.exitCode}, signal ${child.signalCode})${why()}`))
      for (const waiter of pending.values()) waiter.reject(new Error(`${entry} exited${why()}`))
      pending.clear()
    })
  })

  try {
    await ready
  } catch (error) {
    await kill(child, exited, 2000)
    throw error
  }

  return {
    pid: child.pid!,
    ready: readyMessage as Ready,
    request<T>(name: string, argument?: unknown, timeoutMs = 30_000): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`${entry}: no answer to "${name}" within ${timeoutMs} ms`))
        }, timeoutMs)
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer)
            resolve(value as T)
          },
          reject: (error) => {
            clearTimeout(timer)
            reject(error)
          },
        })
        child.send({ id, name, argument } satisfies ChildRequest)
      })
    },
    stop: (graceMs = 5000) => kill(child, exited, graceMs),
  }
}

async function kill(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  // Closing the IPC channel is the child's cue to clean up and exit (see bench-child-runtime).
  if (child.connected) child.disconnect()
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), graceMs)
  })
  const late = await Promise.race([exited.then(() => false), timedOut])
  clearTimeout(timer)
  if (late) {
    child.kill('SIGKILL')
    await exited
  }
}
