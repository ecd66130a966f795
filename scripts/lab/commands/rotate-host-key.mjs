// `rotate-host-key`: gives one host a new host key and restarts its sshd (sessions already open stay),
// so that callers can check that a changed host key is noticed. Prints the new fingerprint as JSON.
import { enterHost } from '../host-namespaces.mjs'
import { fingerprintOf } from '../keys.mjs'
import { loadLab, printJson, saveLab } from '../lab-json.mjs'
import { checkName, DEFAULT_NAME, hostPaths } from '../layout.mjs'
import { LabError, log } from '../log.mjs'
import { recordedProcess, terminate } from '../processes.mjs'
import { replaceHostKey, startSshd, waitForSsh } from '../sshd.mjs'
import { requireRoot } from '../usage.mjs'

export async function rotateHostKey(options) {
  requireRoot('rotate-host-key')
  const name = checkName(options.name ?? DEFAULT_NAME)
  const lab = loadLab(name)
  const host = lab.hosts.find((entry) => entry.index === Number(options.host))
  if (!host) throw new LabError(`--host ${options.host}: lab ${name} has hosts 1 to ${lab.hosts.length}`)
  const paths = hostPaths(lab.stateDir, host.index)
  replaceHostKey(paths.hostKey, host.name)
  const old = recordedProcess(paths.sshdPid)
  if (old && (await terminate([old], 5_000)).length)
    throw new LabError(`sshd ${old} of ${host.name} did not stop`)
  const pid = startSshd(enterHost(host.name, paths), paths)
  await waitForSsh(host.address, host.sshPort, pid, paths.sshdLog)
  host.hostKeyFingerprint = fingerprintOf(`${paths.hostKey}.pub`)
  saveLab(lab)
  log(`${host.name} has a new host key`)
  printJson({ name, host: host.index, hostKeyFingerprint: host.hostKeyFingerprint }, { oneLine: true })
}
