// Uninstall: stop the agent, remove its containers (when asked), its unit or supervisor, files and
// config, then check on the host that nothing is left and say so.
import {
  LABEL_CLUSTER,
  LABEL_MANAGED_BY,
  LABEL_VM,
  MANAGED_BY,
} from '../../../vmm-agent/runtime/docker-runtime'
import { type InstalledService, stopAgent } from './agent-service'
import type { HostProbe } from './host-probe'
import { HOME_INSTALL_NAME, ROOT_INSTALL_DIR, SYSTEMD_UNIT_PATH } from './host-probe'
import { connectStep, type OperationContext, probeStep, runStep } from './operation-steps'
import { type Remote, StepFailure } from './remote'

/** Docker prints full ids with --no-trunc; anything else in its output is not an id to pass on. */
const CONTAINER_ID = /^[0-9a-f]{64}$/

export function containerIds(output: string): string[] {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => CONTAINER_ID.test(line))
}

/**
 * Agent and supervisor processes of one installation, in this host's mount namespace only: on a machine
 * that hosts several lab hosts, their agents share the process table but not the files.
 */
const LEFTOVERS_SCRIPT = `dir=$1
me=$(readlink /proc/self/ns/mnt 2>/dev/null)
for p in /proc/[0-9]*; do
  [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$me" ] || continue
  cmd=$(tr '\\000' ' ' <"$p/cmdline" 2>/dev/null)
  case "$cmd" in *"$dir/vmm-agent.mjs"* | *"$dir/agent-supervisor.sh"*) echo "process \${p#/proc/}: $cmd" ;; esac
done
if [ -e "$dir" ]; then echo "directory $dir"; fi
if [ "$2" = unit ] && [ -e ${SYSTEMD_UNIT_PATH} ]; then echo "unit ${SYSTEMD_UNIT_PATH}"; fi
true`

/** Only the two directories a deploy creates can be removed, whatever the probe said. */
const REMOVE_INSTALL_SCRIPT = `set -e
case "$1" in
${ROOT_INSTALL_DIR} | /*/${HOME_INSTALL_NAME}) rm -rf "$1" ;;
*) echo "refusing to remove $1" >&2; exit 2 ;;
esac`

interface Installation extends InstalledService {
  kind: 'root' | 'home'
}

function installations(probe: HostProbe): Installation[] {
  const found: Installation[] = []
  if (probe.installed.root || probe.installed.systemdUnit)
    found.push({ kind: 'root', dir: ROOT_INSTALL_DIR, sudo: true, systemdUnit: probe.installed.systemdUnit })
  if (probe.installed.home)
    found.push({ kind: 'home', dir: probe.installed.home.dir, sudo: false, systemdUnit: false })
  return found
}

export async function runUninstall(
  ctx: OperationContext,
  /** Only containers of `clusterId` are this VIM's to remove; another cluster's on the same host stay. */
  options: { removeContainers: boolean; clusterId: string },
): Promise<void> {
  const { record, target } = ctx
  const remote = await connectStep(ctx)
  try {
    const probe = await probeStep(ctx, remote, (found) => {
      const installs = installations(found)
      return installs.length
        ? `agent installed in ${installs.map((i) => i.dir).join(' and ')}`
        : 'no agent installed; removing any leftovers'
    })
    const installs = installations(probe)
    const dockerAsRoot = probe.sudo

    await runStep(ctx, 'stop', async () => {
      if (installs.some((i) => i.sudo) && !probe.sudo)
        throw new StepFailure(
          `The agent is installed in ${ROOT_INSTALL_DIR} (owned by root) and ${remote.user} has no sudo: uninstall as a user with sudo`,
        )
      if (installs.length === 0) return { skipped: 'no agent installed' }
      const done: string[] = []
      for (const install of installs) done.push(await stopAgent(remote, 'stop', install))
      return done.join('; ')
    })

    let leftContainers = 0
    await runStep(ctx, 'containers', async () => {
      const engine = dockerAsRoot ? probe.docker.rootEngine : probe.docker.userEngine
      if (!engine)
        return {
          skipped: `Docker does not answer for ${dockerAsRoot ? 'root' : remote.user}: no containers to remove`,
        }
      const ids = await managedContainers(remote, options.clusterId, target.vmName, dockerAsRoot)
      if (!options.removeContainers) {
        leftContainers = ids.length
        return { skipped: `left ${ids.length} container${ids.length === 1 ? '' : 's'} as asked` }
      }
      if (ids.length === 0) return 'no managed containers'
      await remote.mustCommand('containers', 'Removing the containers', ['docker', 'rm', '-f', ...ids], {
        sudo: dockerAsRoot,
        timeoutMs: 180_000,
      })
      return `removed ${ids.length} container${ids.length === 1 ? '' : 's'}`
    })

    await runStep(ctx, 'files', async () => {
      if (installs.length === 0) return { skipped: 'no files installed' }
      for (const install of installs) {
        await remote.mustScript('files', `Removing ${install.dir}`, REMOVE_INSTALL_SCRIPT, [install.dir], {
          sudo: install.sudo,
        })
      }
      return `removed ${installs.map((i) => i.dir).join(' and ')}`
    })

    await runStep(ctx, 'verify', async () => {
      const dirs = [ROOT_INSTALL_DIR, `${probe.home}/${HOME_INSTALL_NAME}`]
      const leftovers: string[] = []
      for (const dir of dirs) {
        const result = await remote.script(
          'verify',
          LEFTOVERS_SCRIPT,
          [dir, dir === ROOT_INSTALL_DIR ? 'unit' : ''],
          {
            sudo: dir === ROOT_INSTALL_DIR && probe.sudo,
            log: false,
          },
        )
        leftovers.push(...result.stdout.split('\n').filter(Boolean))
      }
      const engine = dockerAsRoot ? probe.docker.rootEngine : probe.docker.userEngine
      if (options.removeContainers && engine) {
        const ids = await managedContainers(remote, options.clusterId, target.vmName, dockerAsRoot)
        leftovers.push(...ids.map((id) => `container ${id.slice(0, 12)}`))
      }
      if (leftovers.length > 0) throw new StepFailure(`Still on ${remote.host}: ${leftovers.join('; ')}`)
      return [
        `Nothing is left on ${remote.host}: no agent or supervisor process, no ${ROOT_INSTALL_DIR} or ~/${HOME_INSTALL_NAME}, no systemd unit`,
        options.removeContainers
          ? 'no managed container'
          : `${leftContainers} container${leftContainers === 1 ? '' : 's'} kept running as asked`,
      ].join(', ')
    })
    record.succeed()
  } finally {
    remote.session.close()
  }
}

async function managedContainers(
  remote: Remote,
  clusterId: string,
  vmName: string,
  sudo: boolean,
): Promise<string[]> {
  const result = await remote.mustCommand(
    'containers',
    'Listing the containers',
    [
      'docker',
      'ps',
      '-aq',
      '--no-trunc',
      '--filter',
      `label=${LABEL_MANAGED_BY}=${MANAGED_BY}`,
      '--filter',
      `label=${LABEL_CLUSTER}=${clusterId}`,
      '--filter',
      `label=${LABEL_VM}=${vmName}`,
    ],
    { sudo, log: false },
  )
  return containerIds(result.stdout)
}
