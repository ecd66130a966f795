// The cluster id: what tells one cluster's containers, images and lab VMs from another's on a shared
// Docker engine. One definition, used by the VIM (which makes it once per data dir) and by the agent
// (which labels, lists and removes only its own cluster's containers).

/** Lower-case letters and digits: valid in a Docker label, an image repository name and a VM name. */
export const CLUSTER_ID_PATTERN = /^[a-z0-9]{4,32}$/

/**
 * The cluster of an agent started by hand without --cluster. A fixed word, not random, so that such an
 * agent still finds the containers it left behind after a restart.
 */
export const STANDALONE_CLUSTER_ID = 'standalone'

/** Docker label on every container and image a cluster owns. */
export const LABEL_CLUSTER = 'acs.cluster'

/** The id, or an error message a person can act on. */
export function checkClusterId(value: string): string | undefined {
  return CLUSTER_ID_PATTERN.test(value)
    ? undefined
    : `cluster id '${value}' must be 4 to 32 lower-case letters or digits`
}
