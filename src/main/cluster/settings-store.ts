// The VIM's settings file: validated by a schema, written atomically (temp file, fsync, rename) so that
// a crash never leaves half a file, and a corrupt file is set aside and reported, never silently lost.
import { constants } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { z } from 'zod'
import { describeIssues, errorMessage } from '../../shared/issues'
import { describeReset, repairSettings } from './settings-repair'

/** Nested objects merge key by key; arrays and other values replace what was there. */
export type SettingsPatch<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: SettingsPatch<T[K]> }
    : T

export type SettingsUpdate<T> = SettingsPatch<T> | ((current: T) => T)

export type SettingsUpdateResult<T> =
  | { ok: true; settings: T }
  /** `invalid`: nothing changed, `message` says which fields and why; `write-failed`: the disk refused. */
  | { ok: false; reason: 'invalid' | 'write-failed'; message: string }

export type SettingsLoadResult =
  | { status: 'loaded' }
  /** First start: no file yet, the defaults apply until the first update writes one. */
  | { status: 'missing' }
  /** The file could not be used: defaults apply; `message` is for the log, `keptAs` is the copy set aside. */
  | { status: 'corrupt'; message: string; keptAs: string | undefined }
  /**
   * Some fields were invalid or unknown: those went back to their defaults (or were dropped), the rest
   * was kept; `resets` names each one ("settings.json: scaling.policy.intervalSeconds was 1e+300 (…);
   * the default 1 applies"), `message` sums up, `keptAs` is the original file set aside.
   */
  | { status: 'repaired'; message: string; resets: string[]; keptAs: string | undefined }

/** What a load has to tell a person, in one message (every reset field named), or undefined. */
export function loadProblem(loaded: SettingsLoadResult): string | undefined {
  if (loaded.status === 'corrupt') return loaded.message
  if (loaded.status === 'repaired') return [...loaded.resets, loaded.message].join('; ')
  return undefined
}

export type SettingsListener<T> = (settings: T) => void

/** The file operations the store needs; tests replace one to simulate a crash at that step. */
export interface SettingsFileSystem {
  readFile(path: string): Promise<string>
  /** Creates `path` (which must not exist) with `mode`, writes `data`, flushes it to the disk, closes it. */
  writeNewFile(path: string, data: string, mode: number): Promise<void>
  rename(from: string, to: string): Promise<void>
  unlink(path: string): Promise<void>
  readdir(dir: string): Promise<string[]>
  mkdir(dir: string): Promise<void>
  /** Makes a rename in `dir` survive a power loss. */
  syncDir(dir: string): Promise<void>
}

export const nodeSettingsFileSystem: SettingsFileSystem = {
  readFile: (path) => readFile(path, 'utf8'),
  async writeNewFile(path, data, mode) {
    const handle = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode)
    try {
      await handle.writeFile(data, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
  },
  rename,
  unlink,
  readdir: (dir) => readdir(dir),
  mkdir: async (dir) => {
    await mkdir(dir, { recursive: true, mode: 0o700 })
  },
  async syncDir(dir) {
    // Windows cannot open a directory; its rename is as durable as it gets there.
    if (process.platform === 'win32') return
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  },
}

export interface SettingsStoreOptions {
  fs?: SettingsFileSystem
  now?: () => number
}

/**
 * Settings of one schema in one JSON file. Updates run one at a time, each on the result of the one
 * before, and change the settings in memory only once the file holds them. The schema's output must
 * parse as its input again (plain JSON with defaults does), since the file is read back through it.
 */
export class SettingsStore<S extends z.ZodType> {
  private current: z.output<S>
  /** The validated defaults, frozen, so that starting over needs no copy. */
  private readonly initial: z.output<S>
  private lastWritten: string | undefined
  /** Loads and updates, in order: each waits for the previous one to finish. */
  private queue: Promise<unknown> = Promise.resolve()
  private tempCount = 0
  private readonly listeners = new Set<SettingsListener<z.output<S>>>()
  private readonly fs: SettingsFileSystem
  private readonly now: () => number

  constructor(
    readonly path: string,
    private readonly schema: S,
    defaults: z.output<S>,
    options: SettingsStoreOptions = {},
  ) {
    this.fs = options.fs ?? nodeSettingsFileSystem
    this.now = options.now ?? Date.now
    const parsed = schema.safeParse(defaults)
    if (!parsed.success)
      throw new Error(`The default settings do not pass their schema: ${describeIssues(parsed.error.issues)}`)
    this.initial = deepFreeze(parsed.data)
    this.current = this.initial
  }

  /** The settings in force (frozen: change them with `update`). */
  get(): z.output<S> {
    return this.current
  }

  /**
   * Reads the file once at start-up. A file with some bad fields keeps the good ones (see
   * `repairSettings`); one that is not JSON, or holds nothing usable, is renamed aside and the defaults apply.
   */
  load(): Promise<SettingsLoadResult> {
    return this.enqueue(async () => {
      await this.removeStaleTempFiles()
      let text: string
      try {
        text = await this.fs.readFile(this.path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' }
        return this.setAside(`could not be read (${errorMessage(error)})`)
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (error) {
        return this.setAside(`is not valid JSON (${errorMessage(error)})`)
      }
      const parsed = this.schema.safeParse(json)
      if (parsed.success) {
        this.current = deepFreeze(parsed.data)
        this.lastWritten = text
        this.notify()
        return { status: 'loaded' }
      }
      const repair = repairSettings(this.schema, json)
      if (!repair.ok)
        return this.setAside(`does not hold valid settings (${describeIssues(parsed.error.issues)})`)
      return this.keepRepaired(
        repair.settings,
        repair.resets.map((reset) => describeReset(basename(this.path), reset)),
      )
    })
  }

  /**
   * The original goes aside (as a corrupt file does), and the repaired settings are written in its
   * place, so that the next start reads the kept fields rather than the defaults.
   */
  private async keepRepaired(settings: z.output<S>, resets: string[]): Promise<SettingsLoadResult> {
    this.current = deepFreeze(settings)
    this.lastWritten = undefined
    this.notify()
    const keptAs = this.asideName()
    const fields = `${resets.length} setting${resets.length === 1 ? '' : 's'}`
    try {
      await this.fs.rename(this.path, keptAs)
    } catch (error) {
      return {
        status: 'repaired',
        resets,
        keptAs: undefined,
        message:
          `Settings file ${this.path}: ${fields} went back to their defaults, the rest was kept; the original ` +
          `could not be set aside (${errorMessage(error)}), so copy it now: the next change overwrites it.`,
      }
    }
    const text = `${JSON.stringify(settings, null, 2)}\n`
    const saved = await this.writeAtomically(text).then(
      () => true,
      () => false,
    )
    if (saved) this.lastWritten = text
    return {
      status: 'repaired',
      resets,
      keptAs,
      message:
        `Settings file ${this.path}: ${fields} went back to their defaults, the rest was kept; ` +
        `the original was kept as ${keptAs}` +
        (saved ? '.' : '; the repaired settings could not be saved yet, the next change saves them.'),
    }
  }

  /**
   * Applies a patch (merged into the current settings) or a function of the current settings, validates
   * the result and saves it. Nothing changes, in memory or on disk, unless both succeed.
   */
  update(change: SettingsUpdate<z.output<S>>): Promise<SettingsUpdateResult<z.output<S>>> {
    return this.enqueue(async () => {
      // Settings are JSON data, never functions, so a function here is always the updater form.
      const next =
        typeof change === 'function'
          ? (change as (current: z.output<S>) => z.output<S>)(this.current)
          : mergePatch(this.current, change as SettingsPatch<z.output<S>>)
      const parsed = this.schema.safeParse(next)
      if (!parsed.success)
        return { ok: false, reason: 'invalid', message: describeIssues(parsed.error.issues) }
      const text = `${JSON.stringify(parsed.data, null, 2)}\n`
      if (text !== this.lastWritten) {
        try {
          await this.writeAtomically(text)
        } catch (error) {
          return {
            ok: false,
            reason: 'write-failed',
            message: `Could not save the settings to ${this.path}: ${errorMessage(error)}`,
          }
        }
        this.lastWritten = text
      }
      this.current = deepFreeze(parsed.data)
      this.notify()
      return { ok: true, settings: this.current }
    })
  }

  /** Calls `listener` after every load and successful update; returns the unsubscribe function. */
  subscribe(listener: SettingsListener<z.output<S>>): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * A reader sees the old file or the new one, never a mix: the new text is complete and on the disk
   * in a temp file of the same directory (same file system, so the rename is atomic) before it
   * replaces the old one.
   */
  private async writeAtomically(text: string): Promise<void> {
    const dir = dirname(this.path)
    await this.fs.mkdir(dir)
    const temp = join(dir, `${this.tempPrefix()}${process.pid}-${++this.tempCount}.tmp`)
    try {
      await this.fs.writeNewFile(temp, text, 0o600)
      await this.fs.rename(temp, this.path)
    } catch (error) {
      await this.fs.unlink(temp).catch(() => {})
      throw error
    }
    // The new file is in place either way; some file systems refuse to sync a directory, and that only
    // weakens durability against a power cut, so it must not report the saved settings as failed.
    await this.fs.syncDir(dir).catch(() => {})
  }

  /** A crash between writing and renaming leaves a temp file; it never holds the only good copy. */
  private async removeStaleTempFiles(): Promise<void> {
    const dir = dirname(this.path)
    const names = await this.fs.readdir(dir).catch(() => [])
    const prefix = this.tempPrefix()
    for (const name of names)
      if (name.startsWith(prefix) && name.endsWith('.tmp'))
        await this.fs.unlink(join(dir, name)).catch(() => {})
  }

  private tempPrefix(): string {
    return `.${basename(this.path)}.`
  }

  private async setAside(problem: string): Promise<SettingsLoadResult> {
    const keptAs = this.asideName()
    this.current = this.initial
    this.lastWritten = undefined
    this.notify()
    try {
      await this.fs.rename(this.path, keptAs)
    } catch (error) {
      return {
        status: 'corrupt',
        keptAs: undefined,
        message:
          `Settings file ${this.path} ${problem}, and could not be set aside (${errorMessage(error)}): ` +
          'starting from the default settings; the next change will overwrite it, so copy it now to keep it.',
      }
    }
    return {
      status: 'corrupt',
      keptAs,
      message: `Settings file ${this.path} ${problem}; it was kept as ${keptAs}; the default settings apply.`,
    }
  }

  private asideName(): string {
    // ':' is not allowed in Windows file names.
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-')
    return `${this.path}.corrupt-${stamp}`
  }

  private enqueue<R>(task: () => Promise<R>): Promise<R> {
    const run = this.queue.then(task)
    this.queue = run.catch(() => {})
    return run
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.current)
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Deep merge for patches: plain objects merge, anything else (arrays too) replaces; undefined is skipped. */
export function mergePatch<T>(target: T, patch: SettingsPatch<T>): T {
  if (!isPlainObject(target) || !isPlainObject(patch)) return (patch === undefined ? target : patch) as T
  const merged: Record<string, unknown> = { ...target }
  for (const [key, value] of Object.entries(patch))
    if (value !== undefined) merged[key] = mergePatch(target[key], value as SettingsPatch<unknown>)
  return merged as T
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
