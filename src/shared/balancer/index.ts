// The one balancer shared by the VIM's front proxy (picks a VM) and each agent's local proxy (picks a
// container): pure selection algorithms plus a pool that tracks load, failures and warm-up.
export {
  BackendPool,
  type BackendPoolOptions,
  type BackendSpec,
  type PickOptions,
  type RequestOutcome,
} from './backend-pool'
export { BackendState, BackendStats } from './backend-stats'
export {
  BalancerAlgorithm,
  BalancerSettings,
  type BalancerSettingsInput,
  DEFAULT_BALANCER_SETTINGS,
} from './balancer-settings'
export { buildHashRing, findOnRing, type HashRing, hash32 } from './hash-ring'
export {
  DEFAULT_HEALTH_SETTINGS,
  HealthSettings,
  type HealthSettingsInput,
} from './health-settings'
export { type HealthRecord, INITIAL_HEALTH, nextHealth, type ProbeResult } from './health-verdict'
export { ejectionDurationMs, mayEject } from './outlier-detection'
export { mulberry32 } from './seeded-random'
export {
  type Candidate,
  createRotationState,
  type RotationState,
  type SelectionContext,
  selectBackend,
} from './select-backend'
export { effectiveWeight, isWarmingUp } from './slow-start'
