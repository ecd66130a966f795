// What the UI and the control API see of each backend behind a proxy.
import { z } from 'zod'

export const BackendState = z.enum(['warming', 'ready', 'ejected', 'unhealthy'])
export type BackendState = z.infer<typeof BackendState>

export const BackendStats = z.object({
  id: z.string(),
  state: BackendState,
  weight: z.number().nonnegative(),
  /** Weight after slow start; 0 while ejected or unhealthy. */
  effectiveWeight: z.number().nonnegative(),
  inFlight: z.number().int().nonnegative(),
  /** Requests sent since the backend joined. */
  requests: z.number().int().nonnegative(),
  /** Failed requests since the backend joined (errors and refused connections). */
  failures: z.number().int().nonnegative(),
  consecutiveFailures: z.number().int().nonnegative(),
  /** Times ejected since the backend joined. */
  ejections: z.number().int().nonnegative(),
  /** When an ejected backend returns, in ms on the pool's clock (the epoch); null when in service. */
  ejectedUntil: z.number().nullable(),
  /** Why active health checks took it out of service ("GET /healthz timed out after 1 s"); null when healthy. */
  unhealthyReason: z.string().nullable(),
})
export type BackendStats = z.infer<typeof BackendStats>
