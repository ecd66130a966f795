// How long a proxy waits for a backend, and how much load it takes before it sheds: one schema for
// both tiers, nested in BalancerSettings (the agent's --balancer) and in the VIM's settings.proxy.
import { z } from 'zod'
import { aboveLimit, SETTING_LIMITS, settingsObject } from '../domain/setting-fields'

const milliseconds = (name: string, min: number) =>
  z
    .number()
    .int(`${name} must be a whole number of milliseconds`)
    .min(min, `${name} must be at least ${min} ms`)
    .max(SETTING_LIMITS.milliseconds, aboveLimit(name, SETTING_LIMITS.milliseconds, 'ms (an hour)'))

export const ProxyTimeouts = settingsObject({
  /** A backend that has not accepted the TCP connection by then is down or unreachable; another is tried. */
  connectMs: milliseconds('connectMs', 1).default(5_000),
  /**
   * From the request fully sent to the response head. The workload answers `/` in well under a second
   * and sends a session's head at once, so 30 s only ever cuts a hung backend.
   */
  responseHeadMs: milliseconds('responseHeadMs', 1).default(30_000),
  /** No byte either way while the body moves; a session sends a byte every ~10 s, so 60 s leaves room. */
  idleMs: milliseconds('idleMs', 1).default(60_000),
})
export type ProxyTimeouts = z.infer<typeof ProxyTimeouts>

export const ProxyQueue = settingsObject({
  /**
   * Requests in flight per backend per unit of weight (a container has weight 1; a VM, its ready
   * containers). The workload runs one JS thread, so more concurrent requests in it only stretch each
   * one; 16 still leaves room for long sessions that hold a request open while mostly idle.
   */
  maxInFlightPerWeight: z
    .number()
    .int('maxInFlightPerWeight must be a whole number')
    .min(1, 'maxInFlightPerWeight must be at least 1')
    .max(SETTING_LIMITS.queueLength, aboveLimit('maxInFlightPerWeight', SETTING_LIMITS.queueLength))
    .default(16),
  /** Requests waiting for a free slot, served in arrival order; beyond it an immediate 503 + Retry-After. */
  maxQueued: z
    .number()
    .int('maxQueued must be a whole number')
    .min(0, 'maxQueued must be 0 or more')
    .max(SETTING_LIMITS.queueLength, aboveLimit('maxQueued', SETTING_LIMITS.queueLength))
    .default(64),
  /**
   * The longest a request waits in the queue before a 503: well under the head timeout of the tier in
   * front, so that the client hears "busy, retry" rather than a timeout.
   */
  maxWaitMs: milliseconds('maxWaitMs', 1).default(10_000),
})
export type ProxyQueue = z.infer<typeof ProxyQueue>

/** Both, as a proxy takes them (BalancerSettings and settings.proxy hold them under these names). */
export interface ProxyLimits {
  timeouts: ProxyTimeouts
  queue: ProxyQueue
}

export const DEFAULT_PROXY_TIMEOUTS: ProxyTimeouts = ProxyTimeouts.parse({})
export const DEFAULT_PROXY_QUEUE: ProxyQueue = ProxyQueue.parse({})
