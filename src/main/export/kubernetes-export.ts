// The cluster as Kubernetes would run it: a Deployment of the workload with the containers' limits, probes
// and hardening, a Service, a HorizontalPodAutoscaler (autoscaling/v2) whose target and behavior are our
// scaling policy's, and a PodDisruptionBudget. Pure: settings in, objects and YAML out. What Kubernetes
// cannot say is named in a note and, where it belongs, in a comment beside it.
import { Document } from 'yaml'
import type { HealthSettings } from '../../shared/balancer/health-settings'
import { NO_STEADINESS, type ScalingPolicy, type ScalingRule } from '../../shared/policy'

export interface KubernetesExportInput {
  policy: ScalingPolicy
  /** Each container's limits (what the agents give every replica). */
  container: { cpus: number; memoryBytes: number }
  /** How the agents probe a replica's /healthz. */
  health: HealthSettings
  clusterId: string
  /** The image Kubernetes pulls; the workload image loaded into the nodes under this name. */
  image: string
  /** The port the workload listens on in its container. */
  port: number
  /** How long a replica leaving may finish its requests (the agents' drain timeout). */
  drainSeconds: number
}

export interface KubernetesExport {
  /** The four objects, in the order they are applied. */
  objects: Record<string, unknown>[]
  /** What our settings say that these objects cannot, each with what was written instead. */
  notes: string[]
  /** Multi-document YAML: a header on how to load the image, the notes, then the objects. */
  yaml: string
}

const NAME = 'acs-workload'
/** The policy settings that are kube-controller-manager / metrics-server flags, not HPA fields. */
export const LOOP_SETTINGS = ['intervalSeconds', 'metricWindowSeconds', 'readinessDelaySeconds'] as const

/** The HPA annotation that keeps a setting with no HPA field, so that nothing of the policy is lost on the way. */
export function policyAnnotation(key: (typeof LOOP_SETTINGS)[number] | 'steadiness'): string {
  return `autoscaling.auto-cloud-scaler.dev/${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
}

// The HPA API's bounds (autoscaling/v2 HPAScalingRules and HPAScalingPolicy).
const MAX_STABILIZATION_SECONDS = 3600
const MAX_PERIOD_SECONDS = 1800

export function kubernetesExport(input: KubernetesExportInput): KubernetesExport {
  const notes: string[] = []
  const labels = {
    'app.kubernetes.io/name': NAME,
    'app.kubernetes.io/part-of': 'auto-cloud-scaler',
    'auto-cloud-scaler.dev/cluster': input.clusterId,
  }
  const selector = { 'app.kubernetes.io/name': NAME, 'auto-cloud-scaler.dev/cluster': input.clusterId }
  const { policy, health } = input
  const resources = {
    cpu: `${Math.max(1, Math.round(input.container.cpus * 1000))}m`,
    memory: `${Math.max(1, Math.round(input.container.memoryBytes / 2 ** 20))}Mi`,
  }
  const probe = { httpGet: { path: '/healthz', port: 'http' } }
  const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000))

  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, labels },
    spec: {
      replicas: policy.minReplicas,
      selector: { matchLabels: selector },
      // Make before break, as the agents do: a new pod is ready before an old one goes.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: input.drainSeconds,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'workload',
              image: input.image,
              ports: [{ name: 'http', containerPort: input.port }],
              env: [
                { name: 'PORT', value: String(input.port) },
                { name: 'CPUS', value: String(input.container.cpus) },
                { name: 'SERVED_BY', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              // Requests = limits: the pod gets exactly the container size the agents give (Guaranteed QoS).
              resources: { requests: resources, limits: resources },
              readinessProbe: {
                ...probe,
                periodSeconds: seconds(health.intervalMs),
                timeoutSeconds: seconds(health.timeoutMs),
                failureThreshold: health.unhealthyThreshold,
                successThreshold: health.healthyThreshold,
              },
              // The agents replace a replica unhealthy for replaceAfterMs; the kubelet restarts it then.
              livenessProbe: {
                ...probe,
                periodSeconds: seconds(health.intervalMs),
                timeoutSeconds: seconds(health.timeoutMs),
                failureThreshold: Math.max(1, Math.ceil(health.replaceAfterMs / health.intervalMs)),
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }],
        },
      },
    },
  }
  notes.push(
    'The agents limit each replica to 128 processes; a Deployment cannot: set the kubelet’s podPidsLimit.',
  )

  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: NAME, labels },
    spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  }

  const annotations = {
    ...Object.fromEntries(LOOP_SETTINGS.map((key) => [policyAnnotation(key), String(policy[key])])),
    [policyAnnotation('steadiness')]: JSON.stringify(policy.steadiness),
  }
  const s = policy.steadiness
  if (JSON.stringify(s) !== JSON.stringify(NO_STEADINESS))
    notes.push(
      `The policy's steadiness rules have no HPA field and are kept only as an annotation, which Kubernetes ignores: a rise of at most ${s.smallRiseRatio}× the target must hold ${s.smallRiseSeconds} s, no scale-down within ${s.scaleDownAfterUpSeconds} s of a scale-up, ${Math.round(s.scaleDownHeadroom * 100)} % headroom after a scale-down, a ${s.burstStabilizationSeconds} s scale-down window once the load returns within ${s.burstMemorySeconds} s of a scale-down, a ${s.clearDropSeconds} s scale-down window once the load has held at most ${Math.round(s.clearDropRatio * 100)} % of the replicas' worth that long${s.waitForWarmUp ? ', and no scale-up while replicas of the last one are warming up' : ''}. The nearest HPA setting is a longer scaleDown.stabilizationWindowSeconds.`,
    )
  notes.push(
    `The policy evaluates every ${policy.intervalSeconds} s over a ${policy.metricWindowSeconds} s CPU window and ignores a pod's first ${policy.readinessDelaySeconds} s; in Kubernetes these are cluster flags, not HPA fields (kube-controller-manager --horizontal-pod-autoscaler-sync-period=${policy.intervalSeconds}s and --horizontal-pod-autoscaler-initial-readiness-delay=${policy.readinessDelaySeconds}s, metrics-server --metric-resolution=${policy.metricWindowSeconds}s); they are kept as annotations on the HPA.`,
  )
  notes.push(
    'behavior.scaleUp/scaleDown.tolerance is alpha in Kubernetes 1.33 (feature gate HPAConfigurableTolerance); without it the cluster-wide tolerance (0.1) applies.',
  )
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: NAME, labels, annotations },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: NAME },
      minReplicas: policy.minReplicas,
      maxReplicas: policy.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: Math.round(policy.targetUtilization * 100) },
          },
        },
      ],
      behavior: {
        scaleUp: scalingRules('scaleUp', policy.scaleUp, policy.tolerance.up, notes),
        scaleDown: scalingRules('scaleDown', policy.scaleDown, policy.tolerance.down, notes),
      },
    },
  }
  if (Math.round(policy.targetUtilization * 100) !== policy.targetUtilization * 100)
    notes.push(`targetUtilization ${policy.targetUtilization} is rounded to a whole percent.`)

  const budget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: NAME, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  }
  notes.push(
    'A node drain evicts a pod before its replacement is ready (the agents start the replacement first); with minReplicas 1 that costs a moment of capacity: set minReplicas ≥ 2 for drains without failed requests.',
  )

  const objects = [deployment, service, hpa, budget]
  return { objects, notes, yaml: renderYaml(objects, notes, input) }
}

function scalingRules(direction: string, rule: ScalingRule, tolerance: number, notes: string[]) {
  const stabilization = clampWhole(rule.stabilizationSeconds, 0, MAX_STABILIZATION_SECONDS)
  const period = clampWhole(rule.periodSeconds, 1, MAX_PERIOD_SECONDS)
  if (stabilization !== rule.stabilizationSeconds)
    notes.push(
      `${direction}.stabilizationSeconds ${rule.stabilizationSeconds} is written as ${stabilization} (whole seconds, at most ${MAX_STABILIZATION_SECONDS}).`,
    )
  if (period !== rule.periodSeconds)
    notes.push(
      `${direction}.periodSeconds ${rule.periodSeconds} is written as ${period} (whole seconds, 1 to ${MAX_PERIOD_SECONDS}).`,
    )
  // Our rule: within any period, the larger of maxPercent % and maxReplicas replicas (selectPolicy Max).
  const policies = [
    ...(rule.maxPercent > 0
      ? [{ type: 'Percent', value: Math.round(rule.maxPercent), periodSeconds: period }]
      : []),
    ...(rule.maxReplicas > 0 ? [{ type: 'Pods', value: rule.maxReplicas, periodSeconds: period }] : []),
  ]
  return {
    stabilizationWindowSeconds: stabilization,
    selectPolicy: 'Max',
    policies,
    tolerance: String(tolerance),
  }
}

function clampWhole(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(value)))
}

function renderYaml(
  objects: Record<string, unknown>[],
  notes: string[],
  input: KubernetesExportInput,
): string {
  const header = [
    ` Auto Cloud Scaler, cluster ${input.clusterId}: the workload and its scaling policy for Kubernetes.`,
    ` Image: load the workload image the agents built into the cluster's nodes under ${input.image}, e.g.`,
    `   docker tag $(docker images -q 'acs-workload-${input.clusterId}' | head -n 1) ${input.image}`,
    `   kind load docker-image ${input.image}      # or: minikube image load ${input.image}`,
    `   docker save ${input.image} | sudo ctr -n k8s.io images import -   # containerd nodes`,
    ' or push it to a registry and change image: below. Apply with: kubectl apply -f this-file.yaml',
    '',
    ' What Kubernetes cannot say exactly as the app does:',
    ...notes.map((note) => ` - ${note}`),
  ].join('\n')
  return objects
    .map((object, index) => {
      const doc = new Document(object, { aliasDuplicateObjects: false })
      if (index === 0) doc.commentBefore = header
      return doc.toString({ lineWidth: 0 })
    })
    .join('---\n')
}
