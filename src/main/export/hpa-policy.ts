// The scaling policy an exported HorizontalPodAutoscaler stands for: the inverse of kubernetes-export.ts,
// so that a test can run the HPA as written through the same simulation as the policy it came from.
import { NO_STEADINESS, type ScalingPolicy, ScalingPolicy as ScalingPolicySchema } from '../../shared/policy'
import { LOOP_SETTINGS, policyAnnotation } from './kubernetes-export'

interface HpaPolicy {
  type: string
  value: number
  periodSeconds: number
}
interface HpaRules {
  stabilizationWindowSeconds?: number
  selectPolicy?: string
  policies?: HpaPolicy[]
  tolerance?: string
}
interface Hpa {
  kind: string
  metadata?: { annotations?: Record<string, string> }
  spec: {
    minReplicas?: number
    maxReplicas: number
    metrics?: { type: string; resource?: { name: string; target: { averageUtilization?: number } } }[]
    behavior?: { scaleUp?: HpaRules; scaleDown?: HpaRules }
  }
}

/** Throws with what is missing when `object` is not an HPA this app could have written. */
export function policyFromHpa(object: unknown): ScalingPolicy {
  const hpa = object as Hpa
  if (hpa?.kind !== 'HorizontalPodAutoscaler') throw new Error('not a HorizontalPodAutoscaler')
  const cpu = hpa.spec.metrics?.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu')
  const utilization = cpu?.resource?.target.averageUtilization
  if (utilization === undefined) throw new Error('the HPA has no CPU utilization target')
  const annotations = hpa.metadata?.annotations ?? {}
  const loop = Object.fromEntries(
    LOOP_SETTINGS.flatMap((key) => {
      const value = annotations[policyAnnotation(key)]
      return value === undefined ? [] : [[key, Number(value)]]
    }),
  )
  const rule = (rules: HpaRules | undefined, direction: string) => {
    if (rules?.selectPolicy !== undefined && rules.selectPolicy !== 'Max')
      throw new Error(`${direction}.selectPolicy ${rules.selectPolicy} has no equivalent (only Max)`)
    const percent = rules?.policies?.find((p) => p.type === 'Percent')
    const pods = rules?.policies?.find((p) => p.type === 'Pods')
    return {
      stabilizationSeconds: rules?.stabilizationWindowSeconds ?? 0,
      maxPercent: percent?.value ?? 0,
      maxReplicas: pods?.value ?? 0,
      periodSeconds: percent?.periodSeconds ?? pods?.periodSeconds ?? 15,
    }
  }
  const behavior = hpa.spec.behavior ?? {}
  // An HPA has none of the steadiness rules; one this app wrote keeps them in an annotation.
  const steadiness = annotations[policyAnnotation('steadiness')]
  return ScalingPolicySchema.parse({
    ...loop,
    steadiness: steadiness === undefined ? NO_STEADINESS : JSON.parse(steadiness),
    targetUtilization: utilization / 100,
    minReplicas: hpa.spec.minReplicas ?? 1,
    maxReplicas: hpa.spec.maxReplicas,
    tolerance: {
      up: Number(behavior.scaleUp?.tolerance ?? 0.1),
      down: Number(behavior.scaleDown?.tolerance ?? 0.1),
    },
    scaleUp: rule(behavior.scaleUp, 'scaleUp'),
    scaleDown: rule(behavior.scaleDown, 'scaleDown'),
  })
}
