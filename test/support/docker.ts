// The real Docker Engine for tests: reachable or not, and clean-up of what a test's own cluster left behind.
// Clean-up filters by cluster id, never by VM name alone: a running app's lab (or another test run's) may
// have VMs of the same name on the same engine.
import { connectDocker, pingDocker } from '../../vmm-agent/runtime/docker-connection'
import { LABEL_CLUSTER, LABEL_VM } from '../../vmm-agent/runtime/docker-runtime'
import { shouldRun } from './services'
import { TEST_CLUSTER_ID } from './test-cluster'

export { newTestClusterId, TEST_CLUSTER_ID } from './test-cluster'

export const { docker } = connectDocker()

export const dockerAvailable = await pingDocker(connectDocker(), 3000).then(
  () => true,
  () => false,
)

export function shouldRunDocker(): boolean {
  return shouldRun(
    'docker',
    dockerAvailable,
    'no Docker Engine answers at /var/run/docker.sock; start dockerd (or run .ci/run)',
  )
}

/** Containers of `cluster`, of one VM when `vmName` is given. */
export async function containersOf(vmName: string | undefined, cluster = TEST_CLUSTER_ID) {
  const label = [`${LABEL_CLUSTER}=${cluster}`, ...(vmName === undefined ? [] : [`${LABEL_VM}=${vmName}`])]
  return docker.listContainers({ all: true, filters: { label } })
}

/** Removes the containers of `cluster` (of one VM when `vmName` is given), by id, and nothing else. */
export async function removeContainersOf(
  vmName: string | undefined,
  cluster = TEST_CLUSTER_ID,
): Promise<void> {
  for (const info of await containersOf(vmName, cluster)) {
    await docker
      .getContainer(info.Id)
      .remove({ force: true })
      .catch(() => {})
  }
}

/** Untags the workload images built for `cluster`; their layers stay, shared with every other cluster's. */
export async function removeClusterImages(cluster: string): Promise<void> {
  const images = await docker.listImages({ filters: { label: [`${LABEL_CLUSTER}=${cluster}`] } })
  for (const image of images)
    for (const tag of image.RepoTags ?? [])
      if (tag.startsWith(`acs-workload-${cluster}:`))
        await docker
          .getImage(tag)
          .remove()
          .catch(() => {})
}
