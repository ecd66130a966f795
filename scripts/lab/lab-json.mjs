// The lab as JSON: what `up` prints and keeps in STATE/lab.json (mode 0600: it holds the passwords), how
// later commands read it back, and what `status` adds per host (sshd and engine running or stopped).
import { readJson, writeJson } from './files.mjs'
import { defaultStateDir, hostPaths, labPaths } from './layout.mjs'
import { LabError } from './log.mjs'
import { recordedProcess } from './processes.mjs'
import { registeredLab } from './registry.mjs'
import { LAB_COMMAND } from './usage.mjs'

/** The lab as callers see it; `hosts` are those `up` made, of which only the public fields are kept. */
export function describeLab({ name, stateDir, gateway, subnet, hosts, users }) {
  return {
    name,
    stateDir,
    gateway,
    subnet,
    hosts: hosts.map((host) => ({
      name: host.name,
      index: host.index,
      address: host.address,
      sshPort: host.sshPort,
      hostKeyFingerprint: host.hostKeyFingerprint,
      docker: host.docker,
      node: host.node,
      ...(host.dockerSocket ? { dockerSocket: host.dockerSocket } : {}),
    })),
    users,
  }
}

export function saveLab(lab) {
  writeJson(labPaths(lab.stateDir).labJson, lab)
}

export const readLab = (stateDir) => readJson(labPaths(stateDir).labJson)

/** The kept JSON of lab `name`; throws when it is not up. */
export function loadLab(name) {
  const stateDir = registeredLab(name)?.stateDir ?? defaultStateDir(name)
  const lab = readLab(stateDir)
  if (!lab)
    throw new LabError(
      `lab ${name} is not up (no ${labPaths(stateDir).labJson}): ${LAB_COMMAND} up --name ${name}`,
    )
  return lab
}

/** Each host with its daemons' state and pids, and whether all of them run. */
export function hostsStatus(lab) {
  const hosts = lab.hosts.map((host) => hostStatus(lab, host))
  const healthy = hosts.every((host) => host.sshd === 'running' && host.engine !== 'stopped')
  return { hosts, healthy }
}

function hostStatus(lab, host) {
  const paths = hostPaths(lab.stateDir, host.index)
  const sshdPid = recordedProcess(paths.sshdPid)
  const dockerdPid = host.docker ? recordedProcess(paths.dockerdPid) : undefined
  return {
    ...host,
    sshd: sshdPid ? 'running' : 'stopped',
    ...(sshdPid ? { sshdPid } : {}),
    ...(host.docker ? { engine: dockerdPid ? 'running' : 'stopped' } : {}),
    ...(dockerdPid ? { dockerdPid } : {}),
  }
}

/** Writes the JSON a caller parses to stdout: indented, or on one line. */
export function printJson(value, { oneLine = false } = {}) {
  process.stdout.write(`${oneLine ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`)
}
