// How the agent is kept running on a host: a systemd unit where systemd runs, else the POSIX sh supervisor
// from resources/. Start (or restart after an upgrade), stop, and the last lines of its log.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderSystemdUnit, SUPERVISOR_FILE, UNIT_TEMPLATE_FILE } from './agent-files'
import { type InstallLayout, installPaths } from './deploy-plan'
import { contentInstallFile, type InstallFile, syncFiles } from './file-sync'
import { SYSTEMD_UNIT_NAME, SYSTEMD_UNIT_PATH } from './host-probe'
import { type Remote, StepFailure } from './remote'

export function supervisorFile(resourcesDir: string, dir: string): InstallFile {
  const content = readFileSync(join(resourcesDir, SUPERVISOR_FILE), 'utf8')
  return contentInstallFile(SUPERVISOR_FILE, content, installPaths(dir).supervisor, 0o755)
}

export interface StartInput {
  layout: InstallLayout
  vmName: string
  nodePath: string
  resourcesDir: string
  stageDir: string
}

/** Starts the agent, or restarts it so that new files and config take effect; returns the step's detail. */
export async function startAgent(remote: Remote, step: string, input: StartInput): Promise<string> {
  const { layout } = input
  if (layout.service === 'systemd') {
    const template = readFileSync(join(input.resourcesDir, UNIT_TEMPLATE_FILE), 'utf8')
    let unit: string
    try {
      unit = renderSystemdUnit(template, { vmName: input.vmName, dir: layout.dir, node: input.nodePath })
    } catch (error) {
      throw new StepFailure((error as Error).message)
    }
    const file = contentInstallFile(SYSTEMD_UNIT_NAME, unit, SYSTEMD_UNIT_PATH, 0o644)
    const synced = await syncFiles(remote, step, [file], input.stageDir, true)
    if (synced.uploaded.length > 0)
      await remote.mustCommand(step, 'systemctl daemon-reload', ['systemctl', 'daemon-reload'], {
        sudo: true,
      })
    await remote.mustCommand(
      step,
      `Enabling ${SYSTEMD_UNIT_NAME}`,
      ['systemctl', 'enable', SYSTEMD_UNIT_NAME],
      { sudo: true },
    )
    await remote.mustCommand(
      step,
      `Starting ${SYSTEMD_UNIT_NAME}`,
      ['systemctl', 'restart', SYSTEMD_UNIT_NAME],
      { sudo: true },
    )
    return `systemd unit ${SYSTEMD_UNIT_NAME} enabled and (re)started`
  }
  const { supervisor } = installPaths(layout.dir)
  const status = await remote.command(step, ['sh', supervisor, 'status', layout.dir], {
    sudo: layout.sudo,
    log: false,
  })
  const wasRunning = status.code === 0
  if (wasRunning)
    await remote.mustCommand(step, 'Stopping the running agent', ['sh', supervisor, 'stop', layout.dir], {
      sudo: layout.sudo,
      timeoutMs: 90_000,
    })
  const started = await remote.mustCommand(
    step,
    'Starting the agent supervisor',
    ['sh', supervisor, 'start', layout.dir, input.nodePath],
    { sudo: layout.sudo, timeoutMs: 30_000 },
  )
  const pid = /supervisor (\d+)/.exec(started.stdout)?.[1]
  return `${wasRunning ? 'restarted' : 'started'} under the supervisor${pid ? ` (pid ${pid})` : ''} as ${
    layout.sudo ? 'root' : remote.user
  }; log in ${installPaths(layout.dir).log}`
}

export interface InstalledService {
  dir: string
  sudo: boolean
  systemdUnit: boolean
}

/** Stops the agent of one installation; returns what it did, in words. */
export async function stopAgent(remote: Remote, step: string, install: InstalledService): Promise<string> {
  if (install.systemdUnit) {
    await remote.mustCommand(
      step,
      `Stopping ${SYSTEMD_UNIT_NAME}`,
      ['systemctl', 'disable', '--now', SYSTEMD_UNIT_NAME],
      {
        sudo: true,
        timeoutMs: 90_000,
      },
    )
    await remote.mustCommand(step, `Removing ${SYSTEMD_UNIT_PATH}`, ['rm', '-f', SYSTEMD_UNIT_PATH], {
      sudo: true,
    })
    await remote.mustCommand(step, 'systemctl daemon-reload', ['systemctl', 'daemon-reload'], { sudo: true })
    return `stopped and removed ${SYSTEMD_UNIT_NAME}`
  }
  const { supervisor } = installPaths(install.dir)
  const exists = await remote.command(step, ['test', '-f', supervisor], { sudo: install.sudo, log: false })
  if (exists.code !== 0) return `no supervisor in ${install.dir}`
  await remote.mustCommand(step, 'Stopping the agent', ['sh', supervisor, 'stop', install.dir], {
    sudo: install.sudo,
    timeoutMs: 90_000,
  })
  return `stopped the agent in ${install.dir}`
}

/** The agent's last log lines, for a message about why it did not connect. */
export async function agentLogTail(
  remote: Remote,
  step: string,
  layout: InstallLayout,
  lines = 30,
): Promise<string> {
  const argv =
    layout.service === 'systemd'
      ? ['journalctl', '-u', SYSTEMD_UNIT_NAME, '-n', String(lines), '--no-pager', '-o', 'cat']
      : ['tail', '-n', String(lines), installPaths(layout.dir).log]
  const result = await remote
    .command(step, argv, { sudo: layout.sudo, log: false, timeoutMs: 20_000 })
    .catch(() => undefined)
  return result?.code === 0 ? result.stdout.trimEnd() : ''
}
