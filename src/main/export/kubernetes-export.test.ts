import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { Service } from 'kubernetes-models/v1/Service'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { DEFAULT_HEALTH_SETTINGS } from '../../shared/balancer/health-settings'
import { defaultPolicy, NO_STEADINESS, ScalingPolicy } from '../../shared/policy'
import { policyFromHpa } from './hpa-policy'
import { type KubernetesExportInput, kubernetesExport, LOOP_SETTINGS } from './kubernetes-export'

const input = (policy = defaultPolicy()): KubernetesExportInput => ({
  policy,
  container: { cpus: 0.25, memoryBytes: 128 * 2 ** 20 },
  health: DEFAULT_HEALTH_SETTINGS,
  clusterId: '3fa2c0de',
  image: 'acs-workload:0.1.0',
  port: 8080,
  drainSeconds: 30,
})

/** Each document as Kubernetes' OpenAPI schema (kubernetes-models) checks it; throws on the first error. */
function validate(object: Record<string, unknown>): void {
  const models: Record<string, new (data: never) => { validate(): void }> = {
    Deployment,
    Service,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
  }
  const Model = models[object.kind as string]
  if (!Model) throw new Error(`unexpected kind ${String(object.kind)}`)
  new Model(object as never).validate()
}

const documents = (yaml: string) =>
  parseAllDocuments(yaml).map((doc) => doc.toJS() as Record<string, unknown>)

describe('kubernetesExport', () => {
  it('writes a Deployment, Service, HPA and PodDisruptionBudget that Kubernetes’ schemas accept', () => {
    const out = kubernetesExport(input())
    const parsed = documents(out.yaml)
    expect(parsed.map((d) => `${d.apiVersion} ${d.kind}`)).toEqual([
      'apps/v1 Deployment',
      'v1 Service',
      'autoscaling/v2 HorizontalPodAutoscaler',
      'policy/v1 PodDisruptionBudget',
    ])
    for (const object of parsed) validate(object)
    // The schemas do catch a mistake: a utilization given as text is refused.
    const wrong = structuredClone(parsed[2]!) as { spec: { metrics: { resource: { target: object } }[] } }
    wrong.spec.metrics[0]!.resource.target = { type: 'Utilization', averageUtilization: '60' }
    expect(() => validate(wrong as unknown as Record<string, unknown>)).toThrow()
  })

  it('carries the container size, probes and hardening the agents give every replica', () => {
    const [deployment] = kubernetesExport(input()).objects as [
      { spec: { template: { spec: { containers: Record<string, unknown>[] } } } },
    ]
    const container = deployment.spec.template.spec.containers[0]!
    expect(container.resources).toEqual({
      requests: { cpu: '250m', memory: '128Mi' },
      limits: { cpu: '250m', memory: '128Mi' },
    })
    expect(container.readinessProbe).toMatchObject({
      httpGet: { path: '/healthz', port: 'http' },
      periodSeconds: 2,
      timeoutSeconds: 1,
      failureThreshold: 2,
    })
    expect(container.livenessProbe).toMatchObject({ failureThreshold: 15 })
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    })
  })

  it('writes the policy as the HPA’s target and behavior, e.g. a 123 s scale-down window', () => {
    const policy = ScalingPolicy.parse({ targetUtilization: 0.7, scaleDown: { stabilizationSeconds: 123 } })
    const out = kubernetesExport(input(policy))
    expect(out.yaml).toContain('stabilizationWindowSeconds: 123')
    const hpa = documents(out.yaml)[2] as { spec: Record<string, unknown> }
    const { scaleUp, scaleDown } = policy
    expect(hpa.spec).toMatchObject({
      minReplicas: policy.minReplicas,
      maxReplicas: policy.maxReplicas,
      metrics: [{ resource: { name: 'cpu', target: { averageUtilization: 70 } } }],
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: scaleUp.stabilizationSeconds,
          selectPolicy: 'Max',
          policies: [
            { type: 'Percent', value: scaleUp.maxPercent, periodSeconds: scaleUp.periodSeconds },
            { type: 'Pods', value: scaleUp.maxReplicas, periodSeconds: scaleUp.periodSeconds },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 123,
          policies: [
            { type: 'Percent', value: scaleDown.maxPercent, periodSeconds: scaleDown.periodSeconds },
            { type: 'Pods', value: scaleDown.maxReplicas, periodSeconds: scaleDown.periodSeconds },
          ],
        },
      },
    })
  })

  it('names what Kubernetes cannot say, in the notes and in the YAML, and rounds what it must', () => {
    const policy = ScalingPolicy.parse({ scaleDown: { stabilizationSeconds: 9.5 } })
    const out = kubernetesExport(input(policy))
    expect(out.notes.join('\n')).toMatch(/horizontal-pod-autoscaler-sync-period=1s/)
    expect(out.notes.join('\n')).toMatch(/scaleDown.stabilizationSeconds 9.5 is written as 10/)
    expect(out.notes.join('\n')).toMatch(/podPidsLimit/)
    for (const note of out.notes) expect(out.yaml).toContain(note)
  })

  it('maps every policy setting: each is an HPA field or an annotation the round trip reads', () => {
    const mapped = new Set([
      'targetUtilization',
      'tolerance',
      'minReplicas',
      'maxReplicas',
      'scaleUp',
      'scaleDown',
      'steadiness',
    ])
    const unmapped = Object.keys(ScalingPolicy.parse({})).filter(
      (key) => !mapped.has(key) && !(LOOP_SETTINGS as readonly string[]).includes(key),
    )
    expect(unmapped).toEqual([])
  })

  it('reads back, from the YAML, exactly the policy it was written from', () => {
    const policy = ScalingPolicy.parse({
      targetUtilization: 0.5,
      minReplicas: 2,
      maxReplicas: 8,
      tolerance: { up: 0.05, down: 0.2 },
      readinessDelaySeconds: 12,
      scaleDown: { stabilizationSeconds: 123, maxPercent: 50, maxReplicas: 0, periodSeconds: 30 },
      steadiness: { smallRiseSeconds: 20, burstStabilizationSeconds: 240 },
    })
    const hpa = documents(kubernetesExport(input(policy)).yaml)[2]
    expect(policyFromHpa(hpa)).toEqual(policy)
    // An HPA from elsewhere, without the annotations, is read as having no steadiness rules.
    const plain = structuredClone(hpa) as { metadata: { annotations?: unknown } }
    delete plain.metadata.annotations
    expect(policyFromHpa(plain).steadiness).toEqual(NO_STEADINESS)
  })
})
