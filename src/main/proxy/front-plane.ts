// What the VIM's front data plane offers the core, whichever plane runs it: the embedded Node proxy
// (front-proxy.ts) or HAProxy (haproxy-front.ts). The core, the rotation and the control API use only this.
import type { BackendPool, BalancerAlgorithm, HealthSettings } from '../../shared/balancer'
import type { TrustedProxies } from '../../shared/proxy/forwarding'
import type { ProxyLimits } from '../../shared/proxy/proxy-limits'
import type { TrafficSummary } from '../../shared/proxy/request-meter'
import type { FrontBackend } from './front-proxy'

export interface FrontDataPlane {
  /** The backends as the UI and the autoscaler see them (state, weight, in flight) and the balancer settings. */
  readonly pool: Pick<BackendPool, 'snapshot' | 'settings'>
  syncBackends(backends: readonly FrontBackend[]): void
  setAlgorithm(algorithm: BalancerAlgorithm): void
  setLimits(limits: ProxyLimits): void
  setHealthSettings(settings: HealthSettings): void
  setTrustedProxies(trusted: TrustedProxies): void
  traffic(vmId?: string): TrafficSummary
  /** Resolves with the port it listens on. */
  start(): Promise<number>
  /**
   * Takes no new connection and answers, within `graceMs`, the requests it took: the first step of a stop,
   * before the VMs behind go away.
   */
  stopAccepting(graceMs?: number): Promise<void>
  close(): Promise<void>
}
