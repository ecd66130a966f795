// The VIM's cluster autoscaler as pure decisions: the replica total and its placement across VMs, the
// fleet's start/create/stop, and their settings. The running VIM and the policy editor's preview share it.
export * from './apply-targets'
export * from './cluster-settings'
export { type Placement, PlacementStrategy, type PlacementVm, placeReplicas } from './place-replicas'
export * from './plan-cluster'
export * from './plan-departure'
export * from './plan-fleet'
