// The real Docker Engine for tests: reachable or not, and cleanup of what a test's VM left behind.
import { connectDocker, pingDocker } from '../../vmm-agent/runtime/docker-connection'
import { LABEL_VM } from '../../vmm-agent/runtime/docker-runtime'
import { shouldRun } from './services'

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

export async function containersOf(vmName: string) {
  return docker.listContainers({ all: true, filters: { label: [`${LABEL_VM}=${vmName}`] } })
}

/** Removes every container labelled for `vmName`, by id. */
export async function removeContainersOf(vmName: string): Promise<void> {
  for (const info of await containersOf(vmName)) {
    await docker
      .getContainer(info.Id)
      .remove({ force: true })
      .catch(() => {})
  }
}
