// The policy editor's model: the text in each field → VimSettings, validated by the shared schema with
// each message placed next to its field. Untouched fields keep the applied value bit for bit, so what
// Apply sends is exactly what policy:get returned plus the edits.
import type { BalancerAlgorithm } from '../../../../shared/balancer/balancer-settings'
import { VimSettings } from '../../../../shared/domain/settings'
import type { PlacementStrategy } from '../../../../shared/scaler/place-replicas'
import { formatFieldValue, NUMBER_FIELDS, type NumberFieldSpec, parseFieldText } from './policy-fields'

export interface PolicyDraft {
  /** The text of each number field, by NumberFieldSpec.key. */
  numbers: Record<string, string>
  placement: PlacementStrategy
  balancer: BalancerAlgorithm
}

export type DraftCheck =
  | { valid: true; settings: VimSettings; changed: boolean }
  | {
      valid: false
      /** One message per field key. */
      fieldErrors: Record<string, string>
      /** Problems that belong to no single field. */
      formErrors: string[]
    }

// Our zod messages speak of fractions ("at most 1"); a field edited in % needs them in %.
const PERCENT_MESSAGES: Record<string, string> = {
  targetUtilization:
    'Enter more than 0 % and at most 100 %: a replica cannot use more than its CPU limit (e.g. 60).',
  'tolerance.up': 'Enter a tolerance from 0 to 100 % (e.g. 10).',
  'tolerance.down': 'Enter a tolerance from 0 to 100 % (e.g. 10).',
  'steadiness.smallRiseRatio': 'Enter at least 100 % and at most 1,000 % of the target (e.g. 130).',
  'steadiness.scaleDownHeadroom': 'Enter a headroom from 0 to 50 % (e.g. 5).',
}

export function draftFromSettings(settings: VimSettings): PolicyDraft {
  const numbers: Record<string, string> = {}
  for (const spec of NUMBER_FIELDS) numbers[spec.key] = formatFieldValue(spec, valueAt(settings, spec.path))
  return { numbers, placement: settings.scaling.placement, balancer: settings.balancer }
}

export function checkDraft(draft: PolicyDraft, applied: VimSettings): DraftCheck {
  const candidate = structuredClone(applied)
  const fieldErrors: Record<string, string> = {}
  for (const spec of NUMBER_FIELDS) {
    const text = draft.numbers[spec.key] ?? ''
    const appliedValue = valueAt(applied, spec.path)
    if (text.trim() === formatFieldValue(spec, appliedValue)) continue
    const value = parseFieldText(spec, text)
    if (value === undefined) fieldErrors[spec.key] = text.trim() === '' ? 'Enter a value.' : 'Enter a number.'
    else setValueAt(candidate, spec.path, value)
  }
  candidate.scaling.placement = draft.placement
  candidate.balancer = draft.balancer

  const parsed = VimSettings.safeParse(candidate)
  const formErrors: string[] = []
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const spec = fieldAt(issue.path)
      if (!spec)
        formErrors.push(issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)
      else fieldErrors[spec.key] ??= PERCENT_MESSAGES[spec.key] ?? issue.message
    }
  }
  if (Object.keys(fieldErrors).length > 0 || formErrors.length > 0 || !parsed.success) {
    return { valid: false, fieldErrors, formErrors }
  }
  return {
    valid: true,
    settings: parsed.data,
    changed: JSON.stringify(candidate) !== JSON.stringify(applied),
  }
}

function fieldAt(path: readonly PropertyKey[]): NumberFieldSpec | undefined {
  const joined = path.map(String).join('.')
  return NUMBER_FIELDS.find((spec) => spec.path.join('.') === joined)
}

function valueAt(settings: VimSettings, path: readonly string[]): number {
  let node: unknown = settings
  for (const key of path) node = (node as Record<string, unknown>)[key]
  if (typeof node !== 'number') throw new Error(`The settings hold no number at ${path.join('.')}`)
  return node
}

function setValueAt(settings: VimSettings, path: readonly string[], value: number): void {
  let node = settings as unknown as Record<string, unknown>
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
  node[path[path.length - 1] as string] = value
}
