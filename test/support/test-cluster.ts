// Cluster ids for tests, so that a test's clean-up removes only what its own cluster made (never a running
// app's lab or another test run's containers on the same Docker engine).
import { randomBytes } from 'node:crypto'

/** `t` and 7 hex characters: a valid cluster id that says where it came from. */
export function newTestClusterId(): string {
  return `t${randomBytes(4).toString('hex').slice(0, 7)}`
}

/**
 * This test process's cluster: agents started by tests (startAgent) and labs opened in-process label their
 * containers with it. A headless VIM has its own, in its data dir (see testEnv and clusterIdOf).
 */
export const TEST_CLUSTER_ID = newTestClusterId()
