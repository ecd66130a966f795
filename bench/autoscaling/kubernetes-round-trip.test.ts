// The HPA that `GET /api/v1/export/kubernetes` writes, read back from its YAML and run through the bench's
// simulation: it makes the same decisions, at the same seconds, as the policy it was written from.
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { policyFromHpa } from '../../src/main/export/hpa-policy'
import { kubernetesExport } from '../../src/main/export/kubernetes-export'
import { DEFAULT_HEALTH_SETTINGS } from '../../src/shared/balancer/health-settings'
import { ScalingPolicy as Policy, type ScalingPolicy } from '../../src/shared/policy'
import { type Contender, contenders } from './contenders'
import { runScenario } from './run-scenario'
import { burstyScenario, spikeScenario } from './scenarios'
import { DEFAULT_WORKLOAD } from './workload'

function throughYaml(policy: ScalingPolicy): ScalingPolicy {
  const { yaml } = kubernetesExport({
    policy,
    container: { cpus: 0.5, memoryBytes: 256 * 2 ** 20 },
    health: DEFAULT_HEALTH_SETTINGS,
    clusterId: '3fa2c0de',
    image: 'acs-workload:0.1.0',
    port: 8080,
    drainSeconds: 30,
  })
  const hpa = parseAllDocuments(yaml)
    .map((doc) => doc.toJS())
    .find((object) => object.kind === 'HorizontalPodAutoscaler')
  return policyFromHpa(hpa)
}

const workload = DEFAULT_WORKLOAD
const [ours] = contenders(workload)

describe('the exported HPA, read back and simulated', () => {
  const policies: [string, ScalingPolicy][] = [
    ['our default policy', ours.policy],
    [
      'an edited policy (scale-down window 123 s, 50 % per 30 s, small rises held 20 s)',
      Policy.parse({
        ...ours.policy,
        scaleDown: { stabilizationSeconds: 123, maxPercent: 50, maxReplicas: 0, periodSeconds: 30 },
        steadiness: { ...ours.policy.steadiness, smallRiseSeconds: 20 },
      }),
    ],
  ]
  for (const [name, policy] of policies) {
    it(`decides as ${name} does, on a spike and a bursty trace`, () => {
      const original: Contender = { ...ours, policy }
      const exported: Contender = { ...ours, id: 'hpa', label: 'exported HPA', policy: throughYaml(policy) }
      for (const scenario of [spikeScenario({ seed: 1, workload }), burstyScenario({ seed: 3, workload })]) {
        const [a, b] = runScenario(scenario, 1, workload, { runners: [original, exported] }).runs
        expect(a!.record.changes.length).toBeGreaterThan(1)
        expect(b!.record.changes).toEqual(a!.record.changes)
        expect(b!.scores).toEqual(a!.scores)
      }
    })
  }
})
