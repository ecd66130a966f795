// The policy editor's fields: where each lives in the VIM settings, how it is shown (fractions as %),
// and how the fields group on the page. One list, so the form, the validation and the tests agree.
import type { BalancerAlgorithm } from '../../../../shared/balancer/balancer-settings'
import type { PlacementStrategy } from '../../../../shared/scaler/place-replicas'

export interface NumberFieldSpec {
  key: string
  /** Visible next to the input; with `context`, the input's accessible name. */
  label: string
  /** Said to screen readers before the label, where the group's legend alone tells them apart. */
  context?: string
  /** Where the value sits in VimSettings. */
  path: readonly string[]
  unit: '%' | 's' | 'replicas' | 'VMs'
  /** Stored as a fraction of 1 and edited as a percentage. */
  fraction?: boolean
  hint?: string
}

export interface FieldGroup {
  title: string
  description: string
  fields: readonly NumberFieldSpec[]
}

const policy = (...rest: string[]) => ['scaling', 'policy', ...rest]

const rule = (direction: 'scaleUp' | 'scaleDown', context: string): NumberFieldSpec[] => [
  {
    key: `${direction}.stabilizationSeconds`,
    context,
    label: 'Stabilization window',
    path: policy(direction, 'stabilizationSeconds'),
    unit: 's',
    hint:
      direction === 'scaleUp'
        ? 'The lowest recommendation of this window applies: a rise must last before it buys replicas.'
        : 'The highest recommendation of this window applies: replicas stay through a short dip.',
  },
  {
    key: `${direction}.maxPercent`,
    context,
    label: 'Max change',
    path: policy(direction, 'maxPercent'),
    unit: '%',
  },
  {
    key: `${direction}.maxReplicas`,
    context,
    label: 'Max change',
    path: policy(direction, 'maxReplicas'),
    unit: 'replicas',
  },
  {
    key: `${direction}.periodSeconds`,
    context,
    label: 'Per period of',
    path: policy(direction, 'periodSeconds'),
    unit: 's',
    hint: 'Within any period the count changes by the larger of the two limits; 0 replicas leaves the %.',
  },
]

export const FIELD_GROUPS: readonly FieldGroup[] = [
  {
    title: 'Target',
    description: 'The mean CPU use per replica to aim for, and the band around it where nothing changes.',
    fields: [
      {
        key: 'targetUtilization',
        label: 'Target CPU utilization',
        path: policy('targetUtilization'),
        unit: '%',
        fraction: true,
        hint: 'Of each replica’s CPU limit.',
      },
      {
        key: 'tolerance.up',
        label: 'Tolerance up',
        path: policy('tolerance', 'up'),
        unit: '%',
        fraction: true,
      },
      {
        key: 'tolerance.down',
        label: 'Tolerance down',
        path: policy('tolerance', 'down'),
        unit: '%',
        fraction: true,
      },
    ],
  },
  { title: 'Scale up', description: 'How fast replicas are added.', fields: rule('scaleUp', 'Scale up') },
  {
    title: 'Scale down',
    description: 'How fast replicas are given back.',
    fields: rule('scaleDown', 'Scale down'),
  },
  {
    title: 'Steadiness',
    description:
      'Rules that keep the count from flapping on noise or bursts. 0 s turns a rule off; the HPA has none of them.',
    fields: [
      {
        key: 'steadiness.smallRiseRatio',
        label: 'Small rise: up to',
        path: policy('steadiness', 'smallRiseRatio'),
        unit: '%',
        fraction: true,
        hint: 'Of the target (130 = up to 30 % over it): such a rise must hold before it buys replicas.',
      },
      {
        key: 'steadiness.smallRiseSeconds',
        label: 'Small rise must hold',
        path: policy('steadiness', 'smallRiseSeconds'),
        unit: 's',
      },
      {
        key: 'steadiness.scaleDownAfterUpSeconds',
        label: 'No scale-down after a scale-up for',
        path: policy('steadiness', 'scaleDownAfterUpSeconds'),
        unit: 's',
        hint: 'Giving back sooner would undo the scale-up before the load has settled.',
      },
      {
        key: 'steadiness.scaleDownHeadroom',
        label: 'Scale-down headroom',
        path: policy('steadiness', 'scaleDownHeadroom'),
        unit: '%',
        fraction: true,
        hint: 'The replicas left after a scale-down stay at least this far under the target.',
      },
      {
        key: 'steadiness.burstMemorySeconds',
        label: 'Burst memory',
        path: policy('steadiness', 'burstMemorySeconds'),
        unit: 's',
        hint: 'A load that comes back this soon after a scale-down counts as bursty.',
      },
      {
        key: 'steadiness.burstStabilizationSeconds',
        label: 'Scale-down window while bursty',
        path: policy('steadiness', 'burstStabilizationSeconds'),
        unit: 's',
        hint: 'Replaces the scale-down stabilization window, so returning bursts find their replicas warm.',
      },
      {
        key: 'steadiness.clearDropRatio',
        label: 'Clear drop: load at most',
        path: policy('steadiness', 'clearDropRatio'),
        unit: '%',
        fraction: true,
        hint: 'Of what the running replicas serve (and two replicas or more to give back): the surge is over.',
      },
      {
        key: 'steadiness.clearDropSeconds',
        label: 'Scale-down window after a clear drop',
        path: policy('steadiness', 'clearDropSeconds'),
        unit: 's',
        hint: 'Replaces the scale-down window once a clear drop has held this long (never while bursty).',
      },
    ],
  },
  {
    title: 'Replicas',
    description: 'Bounds on the replicas of the whole cluster, summed over all VMs.',
    fields: [
      { key: 'minReplicas', label: 'Min replicas', path: policy('minReplicas'), unit: 'replicas' },
      { key: 'maxReplicas', label: 'Max replicas', path: policy('maxReplicas'), unit: 'replicas' },
    ],
  },
  {
    title: 'VMs',
    description: 'How many VMs run, and how long an empty one waits before it is stopped.',
    fields: [
      { key: 'minVms', label: 'Min VMs', path: ['scaling', 'minVms'], unit: 'VMs' },
      { key: 'maxVms', label: 'Max VMs', path: ['scaling', 'maxVms'], unit: 'VMs' },
      {
        key: 'idleCooldownSeconds',
        label: 'Idle cool-down',
        path: ['scaling', 'idleCooldownSeconds'],
        unit: 's',
        hint: 'A VM with no replicas for this long is stopped (never below the minimum).',
      },
    ],
  },
]

export const NUMBER_FIELDS: readonly NumberFieldSpec[] = FIELD_GROUPS.flatMap((group) => group.fields)

export const PLACEMENT_LABELS: Record<PlacementStrategy, string> = {
  spread: 'Spread: even across VMs, so losing one VM loses the fewest replicas',
  'bin-pack': 'Bin-pack: fill the VMs in use, so idle ones can be stopped',
}

export const BALANCER_LABELS: Record<BalancerAlgorithm, string> = {
  'least-outstanding': 'Least outstanding requests (power of two choices)',
  'round-robin': 'Round robin',
  weighted: 'Weighted round robin (by ready containers)',
  random: 'Random',
  'consistent-hash': 'Consistent hash (sticky clients)',
}

/** Fractions are shown as %, with the float noise of ×100 taken out (0.07 → "7", not "7.000000000000001"). */
export function formatFieldValue(spec: NumberFieldSpec, value: number): string {
  return String(spec.fraction ? Number((value * 100).toPrecision(12)) : value)
}

/** A typed number, or undefined. Percentages shift the decimal point in the text, so "58.3" → 0.583 exactly. */
export function parseFieldText(spec: NumberFieldSpec, text: string): number | undefined {
  const trimmed = text.trim()
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return undefined
  const exponent = /[eE]/.test(trimmed)
  const value = !spec.fraction ? Number(trimmed) : exponent ? Number(trimmed) / 100 : Number(`${trimmed}e-2`)
  return Number.isFinite(value) ? value : undefined
}
