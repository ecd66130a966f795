// Keeps what is good in a stored settings file: each field that fails its schema (or that the schema does
// not know) is taken out so that its default applies, and every such reset is named, so that one typo
// no longer throws away every other setting the user made.
import type { z } from 'zod'

export interface SettingReset {
  /** The field's full path, e.g. `scaling.policy.intervalSeconds`. */
  field: string
  /** What the file held there (undefined for a field that was missing). */
  was: unknown
  /** Why it was refused, as the schema says it. */
  problem: string
  /** What applies now: the default, or undefined when the field was dropped. */
  now: unknown
}

export type SettingsRepair<T> =
  | { ok: true; settings: T; resets: SettingReset[] }
  /** Nothing could be kept (the file is not an object, or nothing in it is valid): `problem` says why. */
  | { ok: false; problem: z.core.$ZodIssue[] }

// Each pass removes at least one field, so a file of n fields needs at most n passes; this bounds the
// work for a hostile file all the same.
const MAX_PASSES = 64

type Path = readonly PropertyKey[]

/**
 * Parses `json` with `schema`; on failure removes each offending field (the one an issue points at, or
 * each unknown key) and parses again, until the rest passes. A cross-field rule (min > max) points at
 * one of its fields, so that one goes back to its default. Pure: `json` is not changed.
 */
export function repairSettings<S extends z.ZodType>(schema: S, json: unknown): SettingsRepair<z.output<S>> {
  let data = structuredClone(json)
  const removed: { path: Path; was: unknown; problem: string; dropped: boolean }[] = []
  let first: z.core.$ZodIssue[] | undefined
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const parsed = schema.safeParse(data)
    if (parsed.success) {
      // A field inside a list element that was dropped later is gone with it.
      const gone = (path: Path) =>
        removed.some((other) => other.dropped && other.path.every((key, i) => path[i] === key))
      const resets = removed.map(({ path, was, problem }) => ({
        field: pathText(path),
        was,
        problem,
        now: gone(path) ? undefined : valueAt(parsed.data, path),
      }))
      return { ok: true, settings: parsed.data, resets }
    }
    first ??= parsed.error.issues
    let progress = false
    for (const { path, problem } of offendingFields(parsed.error.issues)) {
      const target = removablePath(data, path)
      if (!target) continue
      const was = valueAt(data, target)
      const parent = valueAt(data, target.slice(0, -1))
      if (deleteAt(data, target)) {
        // An array element removed is gone: the element now at its index is another one.
        removed.push({ path: target, was, problem, dropped: Array.isArray(parent) })
        progress = true
      }
    }
    if (!progress) break
    data = compactArrays(data)
  }
  return { ok: false, problem: first ?? [] }
}

/** One line per reset, for the event log and the VIM's log. */
export function describeReset(file: string, reset: SettingReset): string {
  const was = reset.was === undefined ? 'is missing' : `was ${shortJson(reset.was)}`
  const outcome =
    reset.now === undefined
      ? 'it was dropped'
      : isPrimitive(reset.now)
        ? `the default ${shortJson(reset.now)} applies`
        : 'its defaults apply'
  return `${file}: ${reset.field} ${was} (${reset.problem}); ${outcome}`
}

function offendingFields(issues: readonly z.core.$ZodIssue[]): { path: Path; problem: string }[] {
  const fields: { path: Path; problem: string }[] = []
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields.push({ path: [...issue.path, key], problem: 'unknown setting' })
    } else {
      fields.push({ path: issue.path, problem: issue.message })
    }
  }
  return fields
}

/**
 * The field to remove for an issue at `path`: the field itself when the file holds it; when it is missing
 * (a required field), its parent, which then falls back as a whole. Never the root.
 */
function removablePath(data: unknown, path: Path): Path | undefined {
  for (let end = path.length; end > 0; end--) {
    const candidate = path.slice(0, end)
    if (valueAt(data, candidate) !== undefined) return candidate
  }
  return undefined
}

function valueAt(data: unknown, path: Path): unknown {
  let node = data
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined
    node = (node as Record<PropertyKey, unknown>)[key]
  }
  return node
}

// An array element is replaced by a hole and compacted after the pass, so that the other issues of the
// same pass still point at the elements they name.
const HOLE = Symbol('removed')

function deleteAt(data: unknown, path: Path): boolean {
  const parent = valueAt(data, path.slice(0, -1))
  const key = path[path.length - 1]
  if (typeof parent !== 'object' || parent === null || key === undefined || !Object.hasOwn(parent, key))
    return false
  if (Array.isArray(parent)) parent[Number(key)] = HOLE
  else delete (parent as Record<PropertyKey, unknown>)[key]
  return true
}

function compactArrays(data: unknown): unknown {
  if (Array.isArray(data)) return data.filter((item) => item !== HOLE).map(compactArrays)
  if (typeof data === 'object' && data !== null)
    for (const [key, value] of Object.entries(data))
      (data as Record<string, unknown>)[key] = compactArrays(value)
  return data
}

function pathText(path: Path): string {
  return path
    .map((part, i) =>
      typeof part === 'number' || /^\d+$/.test(String(part))
        ? `[${String(part)}]`
        : `${i ? '.' : ''}${String(part)}`,
    )
    .join('')
}

function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function')
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}…` : text
}
