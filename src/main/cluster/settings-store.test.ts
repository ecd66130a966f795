import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { VimSettings } from '../../shared/domain/settings'
import {
  loadProblem,
  mergePatch,
  nodeSettingsFileSystem,
  type SettingsFileSystem,
  SettingsStore,
} from './settings-store'

const Settings = z.object({
  name: z.string().min(1, 'must not be empty'),
  count: z.number().int().nonnegative('must be 0 or more'),
  policy: z.object({
    target: z.number().max(0.95, 'must be at most 0.95'),
    minReplicas: z.number().int().default(1),
  }),
  tags: z.array(z.string()).default([]),
})
type Settings = z.infer<typeof Settings>
const defaults: Settings = { name: 'lab', count: 0, policy: { target: 0.6, minReplicas: 1 }, tags: [] }

let dir: string
let file: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acs-settings-'))
  file = join(dir, 'settings.json')
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const open = async (fs?: SettingsFileSystem) => {
  const store = new SettingsStore(file, Settings, defaults, {
    fs,
    now: () => Date.UTC(2025, 0, 2, 3, 4, 5, 6),
  })
  return { store, loaded: await store.load() }
}
const onDisk = async () => JSON.parse(await readFile(file, 'utf8')) as Settings

describe('SettingsStore', () => {
  it('starts from the defaults without a file, writes a private file on update, reads it back', async () => {
    const { store, loaded } = await open()
    expect(loaded).toEqual({ status: 'missing' })
    expect(store.get()).toEqual(defaults)

    const result = await store.update({ name: 'lab-2' })
    expect(result).toEqual({ ok: true, settings: { ...defaults, name: 'lab-2' } })
    expect(await onDisk()).toEqual({ ...defaults, name: 'lab-2' })
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readdir(dir)).toEqual(['settings.json'])

    const again = await open()
    expect(again.loaded).toEqual({ status: 'loaded' })
    expect(again.store.get().name).toBe('lab-2')
  })

  it('merges nested patches, takes updater functions, and hands out frozen settings', async () => {
    const { store } = await open()
    await store.update({ policy: { target: 0.7 }, tags: ['a', 'b'] })
    await store.update((current) => ({ ...current, tags: [...current.tags, 'c'] }))
    expect(store.get()).toEqual({
      ...defaults,
      policy: { target: 0.7, minReplicas: 1 },
      tags: ['a', 'b', 'c'],
    })
    expect(() => {
      ;(store.get().policy as { target: number }).target = 1
    }).toThrow(TypeError)
  })

  it('refuses invalid settings with a readable message and changes nothing', async () => {
    const { store } = await open()
    await store.update({ count: 3 })
    const result = await store.update({ name: '', policy: { target: 2 } })
    expect(result).toEqual({
      ok: false,
      reason: 'invalid',
      message: 'name: must not be empty; policy.target: must be at most 0.95',
    })
    expect(store.get().count).toBe(3)
    expect(await onDisk()).toMatchObject({ count: 3, name: 'lab' })
  })

  it('runs concurrent updates one at a time, each on the result of the one before', async () => {
    let writing = 0
    let mostAtOnce = 0
    const fs: SettingsFileSystem = {
      ...nodeSettingsFileSystem,
      async writeNewFile(path, data, mode) {
        mostAtOnce = Math.max(mostAtOnce, ++writing)
        await new Promise((resolve) => setTimeout(resolve, 1))
        await nodeSettingsFileSystem.writeNewFile(path, data, mode)
        writing--
      },
    }
    const { store } = await open(fs)
    const results = await Promise.all(
      Array.from({ length: 25 }, () => store.update((current) => ({ ...current, count: current.count + 1 }))),
    )
    expect(results.map((r) => r.ok && r.settings.count)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
    expect(mostAtOnce).toBe(1)
    expect((await onDisk()).count).toBe(25)
  })

  it('keeps the old file intact when a write fails half-way', async () => {
    const { store } = await open()
    await store.update({ count: 1 })
    const before = await readFile(file, 'utf8')

    const crashing: SettingsFileSystem = {
      ...nodeSettingsFileSystem,
      async writeNewFile(path, data, mode) {
        await nodeSettingsFileSystem.writeNewFile(path, data.slice(0, data.length / 2), mode)
        throw new Error('ENOSPC: no space left on device')
      },
    }
    const broken = (await open(crashing)).store
    const result = await broken.update({ count: 2 })
    expect(result).toEqual({
      ok: false,
      reason: 'write-failed',
      message: `Could not save the settings to ${file}: ENOSPC: no space left on device`,
    })
    expect(broken.get().count).toBe(1)
    expect(await readFile(file, 'utf8')).toBe(before)
    expect(await readdir(dir)).toEqual(['settings.json'])
  })

  it('survives dying between writing the temp file and the rename: old file read, temp removed', async () => {
    const { store } = await open()
    await store.update({ count: 1 })
    const dying: SettingsFileSystem = {
      ...nodeSettingsFileSystem,
      rename: () => Promise.reject(new Error('killed')),
      // A dead process cleans nothing up.
      unlink: () => Promise.reject(new Error('killed')),
    }
    await (await open(dying)).store.update({ count: 2 })
    expect((await readdir(dir)).some((name) => name.endsWith('.tmp'))).toBe(true)

    const restarted = await open()
    expect(restarted.loaded).toEqual({ status: 'loaded' })
    expect(restarted.store.get().count).toBe(1)
    expect(await readdir(dir)).toEqual(['settings.json'])
  })

  it('sets a file that is not JSON aside, starts from the defaults and says so', async () => {
    await writeFile(file, '{"name": "lab", "count": ')
    const { store, loaded } = await open()
    const keptAs = `${file}.corrupt-2025-01-02T03-04-05-006Z`
    expect(loaded).toMatchObject({ status: 'corrupt', keptAs })
    expect(loaded.status === 'corrupt' && loaded.message).toMatch(
      /is not valid JSON \(.+\); it was kept as .+corrupt-/,
    )
    expect(store.get()).toEqual(defaults)
    expect(await readFile(keptAs, 'utf8')).toBe('{"name": "lab", "count": ')

    await store.update({ count: 5 })
    expect((await onDisk()).count).toBe(5)
    expect(await readFile(keptAs, 'utf8')).toBe('{"name": "lab", "count": ')
  })

  it('sets aside a file whose settings fail the schema, naming the fields', async () => {
    await writeFile(file, JSON.stringify({ ...defaults, count: -1 }))
    const { store, loaded } = await open()
    expect(loaded).toMatchObject({ status: 'corrupt' })
    expect(loaded.status === 'corrupt' && loaded.message).toContain(
      'does not hold valid settings (count: must be 0 or more)',
    )
    expect(store.get()).toEqual(defaults)
  })

  it('keeps the good fields of a file with one bad field, names the reset one, and keeps the original', async () => {
    const stored = {
      scaling: { policy: { intervalSeconds: 1e300, maxReplicas: 7 }, maxVms: 3 },
      balancer: 'round-robin',
      lab: { keepContainers: true },
    }
    await writeFile(file, JSON.stringify(stored))
    const store = new SettingsStore(file, VimSettings, VimSettings.parse({}), {
      now: () => Date.UTC(2025, 0, 2, 3, 4, 5, 6),
    })
    const loaded = await store.load()
    const keptAs = `${file}.corrupt-2025-01-02T03-04-05-006Z`
    expect(loaded).toMatchObject({
      status: 'repaired',
      keptAs,
      resets: [
        'settings.json: scaling.policy.intervalSeconds was 1e+300 (intervalSeconds must be at most 3,600 seconds); the default 1 applies',
      ],
    })
    const kept = store.get()
    expect(kept.scaling.policy.intervalSeconds).toBe(1)
    expect(kept.scaling.policy.maxReplicas).toBe(7)
    expect(kept.scaling.maxVms).toBe(3)
    expect(kept.balancer).toBe('round-robin')
    expect(kept.lab.keepContainers).toBe(true)
    expect(JSON.parse(await readFile(keptAs, 'utf8'))).toEqual(stored)

    // The repaired file is what the next start reads: the kept fields survive a restart.
    const restarted = new SettingsStore(file, VimSettings, VimSettings.parse({}))
    expect(await restarted.load()).toEqual({ status: 'loaded' })
    expect(restarted.get()).toEqual(kept)
  })

  it('drops unknown keys by name and resets a min above its max to the default', async () => {
    await writeFile(
      file,
      JSON.stringify({
        theme: 'dark',
        scaling: { policy: { targetUtilisation: 0.5, minReplicas: 9, maxReplicas: 4 }, minVms: 5, maxVms: 2 },
      }),
    )
    const store = new SettingsStore(file, VimSettings, VimSettings.parse({}))
    const loaded = await store.load()
    expect(loaded.status).toBe('repaired')
    expect(loaded.status === 'repaired' && loaded.resets).toEqual([
      'settings.json: scaling.policy.targetUtilisation was 0.5 (unknown setting); it was dropped',
      'settings.json: scaling.policy.minReplicas was 9 (minReplicas (9) must not be more than maxReplicas (4)); the default 1 applies',
      'settings.json: scaling.minVms was 5 (minVms (5) must not be more than maxVms (2)); the default 1 applies',
      'settings.json: theme was "dark" (unknown setting); it was dropped',
    ])
    expect(store.get().scaling.policy.maxReplicas).toBe(4)
    expect(store.get().scaling.maxVms).toBe(2)
    expect(loadProblem(loaded)).toContain('4 settings went back to their defaults, the rest was kept')
  })

  it('drops a list element that cannot be repaired and keeps the others', async () => {
    const Hosts = z.object({ hosts: z.array(z.object({ name: z.string(), port: z.number().max(65_535) })) })
    await writeFile(
      file,
      JSON.stringify({
        hosts: [
          { name: 'a', port: 22 },
          { name: 'b', port: 1e9 },
          { name: 'c', port: 2222 },
        ],
      }),
    )
    const store = new SettingsStore(file, Hosts, { hosts: [] })
    const loaded = await store.load()
    expect(loaded.status === 'repaired' && loaded.resets).toEqual([
      'settings.json: hosts[1].port was 1000000000 (Too big: expected number to be <=65535); it was dropped',
      'settings.json: hosts[1] was {"name":"b"} (Invalid input: expected number, received undefined); it was dropped',
    ])
    expect(store.get().hosts.map((host) => host.name)).toEqual(['a', 'c'])
  })

  it('reports when a corrupt file cannot be set aside, so its loss is not silent', async () => {
    await writeFile(file, 'not json')
    const { loaded } = await open({
      ...nodeSettingsFileSystem,
      rename: () => Promise.reject(new Error('EACCES')),
    })
    expect(loaded).toMatchObject({ status: 'corrupt', keptAs: undefined })
    expect(loaded.status === 'corrupt' && loaded.message).toContain('could not be set aside (EACCES)')
  })

  it('never leaves a torn file when the writing process is killed at random moments', async () => {
    // A real SIGKILL in the middle of a stream of big updates, several times over.
    const here = dirname(fileURLToPath(import.meta.url))
    const script = join(dir, 'writer.mjs')
    await build({
      stdin: {
        contents: `
          import { z } from 'zod'
          import { SettingsStore } from './settings-store'
          const schema = z.object({ round: z.number(), filler: z.array(z.string()) })
          const store = new SettingsStore(process.argv[2], schema, { round: 0, filler: [] })
          await store.load()
          for (let round = 1; ; round++) {
            const filler = Array.from({ length: 4000 }, (_, i) => 'x'.repeat(i % 50) + round)
            await store.update({ round, filler })
            if (round === 1) process.stdout.write('ready\\n')
          }`,
        resolveDir: here,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: script,
      logLevel: 'silent',
    })
    let lastRound = 0
    for (let run = 0; run < 4; run++) {
      const child = spawn(process.execPath, [script, file], { stdio: ['ignore', 'pipe', 'inherit'] })
      await new Promise((resolve) => child.stdout.once('data', resolve))
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80))
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('exit', resolve))

      const text = await readFile(file, 'utf8')
      const saved = JSON.parse(text) as { round: number; filler: string[] }
      expect(saved.filler).toHaveLength(4000)
      expect(saved.round).toBeGreaterThanOrEqual(1)
      lastRound = saved.round
    }
    expect(lastRound).toBeGreaterThan(0)
  })
})

describe('mergePatch', () => {
  it('merges plain objects deeply, replaces arrays and values, skips undefined', () => {
    const base = { a: { b: 1, c: [1, 2] }, d: 'x' }
    expect(mergePatch(base, { a: { c: [3] }, d: undefined })).toEqual({ a: { b: 1, c: [3] }, d: 'x' })
    expect(base).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x' })
  })
})
