// The scaling policy, one definition for the VMM agent and the VIM: settings, the decision, its state.
export * from './decide-replicas'
export type { RawRecommendation, ReplicaSample } from './replica-calculator'
export { PolicyState, recommendationOnly, startPolicyState } from './scaling-behavior'
export * from './scaling-policy'
