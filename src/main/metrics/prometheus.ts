// The VIM's Prometheus metrics: what the front proxy served, what runs where, what the scaler decided.
// A registry of its own, so that two cores in one process (tests) never share or clash on metrics.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export interface VimMetricsOptions {
  /** Prefix of every metric name. */
  prefix?: string
  /** Also export the VIM process's CPU, memory, event-loop lag and GC (prom-client's defaults). */
  processMetrics?: boolean
}

export interface ReplicaCounts {
  /** Replicas that exist on the VM, starting ones included. */
  total: number
  ready: number
  /** The target the VIM gave the VM, when there is one. */
  desired?: number
}

/** Latency buckets for the lab's workload: a few milliseconds per request up to clients that time out. */
const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const
/** The `vm` label of requests answered without reaching a VM (the front proxy's own 503). */
export const NO_VM = 'none'

/** Where a status's class is in STATUS_CLASSES. */
function statusClassIndex(status: number): number {
  return status >= 100 && status < 600 ? Math.floor(status / 100) - 1 : STATUS_CLASSES.length - 1
}

export function statusClass(status: number): (typeof STATUS_CLASSES)[number] {
  return STATUS_CLASSES[statusClassIndex(status)] as (typeof STATUS_CLASSES)[number]
}

export class VimMetrics {
  readonly registry = new Registry()
  /**
   * Requests answered, per VM and status class (in STATUS_CLASSES order), counted here and handed to the
   * counter at each scrape: prom-client would hash and check the labels on every request.
   */
  private readonly answered = new Map<string, number[]>()
  private readonly latency: Histogram
  private readonly backends: Gauge
  private readonly replicas: Gauge<'vm'>
  private readonly readyReplicas: Gauge<'vm'>
  private readonly desiredReplicas: Gauge<'vm'>
  private readonly decisions: Counter<'action' | 'limited_by'>
  private readonly agentSessions: Gauge

  constructor(options: VimMetricsOptions = {}) {
    const prefix = options.prefix ?? 'acs_'
    const registers = [this.registry]
    const answered = this.answered
    // Registered with the registry, which is all that reads it.
    new Counter({
      name: `${prefix}requests_total`,
      help: 'Requests answered by the front proxy, by the VM that served them and status class.',
      labelNames: ['vm', 'status_class'],
      registers,
      collect() {
        this.reset()
        for (const [vm, counts] of answered)
          counts.forEach((count, index) => {
            if (count > 0) this.inc({ vm, status_class: STATUS_CLASSES[index] as string }, count)
          })
      },
    })
    this.latency = new Histogram({
      name: `${prefix}request_duration_seconds`,
      help: 'Time from a request reaching the front proxy to its response, in seconds.',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    })
    this.backends = new Gauge({
      name: `${prefix}backends_in_rotation`,
      help: 'VMs the front proxy currently sends requests to.',
      registers,
    })
    this.replicas = new Gauge({
      name: `${prefix}vm_replicas`,
      help: 'Workload containers on the VM, starting ones included.',
      labelNames: ['vm'],
      registers,
    })
    this.readyReplicas = new Gauge({
      name: `${prefix}vm_replicas_ready`,
      help: 'Workload containers on the VM that pass their health check.',
      labelNames: ['vm'],
      registers,
    })
    this.desiredReplicas = new Gauge({
      name: `${prefix}vm_replicas_desired`,
      help: 'The replica target the VIM gave the VM.',
      labelNames: ['vm'],
      registers,
    })
    this.decisions = new Counter({
      name: `${prefix}scaling_decisions_total`,
      help: 'Scaling decisions, by action and by the rule that limited them ("none" when none did).',
      labelNames: ['action', 'limited_by'],
      registers,
    })
    this.agentSessions = new Gauge({
      name: `${prefix}agent_sessions`,
      help: 'VMM agents connected and authenticated to the hub.',
      registers,
    })
    // Unprefixed on purpose: the standard names (process_*, nodejs_*) are what Node dashboards expect.
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry })
  }

  /** One answered request; matches the front proxy's `onResponse` hook. */
  recordRequest(vmId: string | undefined, status: number, seconds: number): void {
    const vm = vmId ?? NO_VM
    let counts = this.answered.get(vm)
    if (!counts) {
      counts = new Array(STATUS_CLASSES.length).fill(0)
      this.answered.set(vm, counts)
    }
    ;(counts[statusClassIndex(status)] as number)++
    this.latency.observe(seconds)
  }

  setBackendsInRotation(count: number): void {
    this.backends.set(count)
  }

  setReplicas(vmId: string, counts: ReplicaCounts): void {
    this.replicas.set({ vm: vmId }, counts.total)
    this.readyReplicas.set({ vm: vmId }, counts.ready)
    if (counts.desired !== undefined) this.desiredReplicas.set({ vm: vmId }, counts.desired)
    else this.desiredReplicas.remove({ vm: vmId })
  }

  /** Takes a policy decision's reason as it is (`decideReplicas(...).reason`), or any action and limit. */
  recordDecision(reason: { action: string; limitedBy?: string }): void {
    this.decisions.inc({ action: reason.action, limited_by: reason.limitedBy ?? 'none' })
  }

  setAgentSessions(count: number): void {
    this.agentSessions.set(count)
  }

  /** Drops a removed VM's series, so that a scrape does not report it as still running. */
  forgetVm(vmId: string): void {
    this.replicas.remove({ vm: vmId })
    this.readyReplicas.remove({ vm: vmId })
    this.desiredReplicas.remove({ vm: vmId })
    this.answered.delete(vmId)
  }

  /** The text exposition format, for a `/metrics` response. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}
