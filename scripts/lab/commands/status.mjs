// `status`: one lab's JSON with whether its sshds and engines run (and their pids), or, without
// --name, a summary of every registered lab.
import { hostsStatus, loadLab, printJson, readLab } from '../lab-json.mjs'
import { checkName } from '../layout.mjs'
import { registeredLabs } from '../registry.mjs'
import { requireRoot } from '../usage.mjs'

export async function status(options) {
  requireRoot('status')
  if (options.name) {
    const lab = loadLab(checkName(options.name))
    const { hosts, healthy } = hostsStatus(lab)
    printJson({ ...lab, healthy, hosts })
    return
  }
  const labs = registeredLabs().map((entry) => {
    const lab = readLab(entry.stateDir)
    // Registered but without lab.json: `up` is still running or was killed.
    if (!lab)
      return { name: entry.name, stateDir: entry.stateDir, subnet: entry.subnet, healthy: false, hosts: [] }
    const { hosts, healthy } = hostsStatus(lab)
    return {
      name: lab.name,
      stateDir: lab.stateDir,
      subnet: lab.subnet,
      gateway: lab.gateway,
      healthy,
      hosts,
    }
  })
  printJson({ labs })
}
