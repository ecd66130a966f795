// `VBoxManage list vms` and `list runningvms`: one `"name" {uuid}` line per registered VM.

export interface RegisteredVm {
  name: string
  uuid: string
  /** VirtualBox could not read the VM's settings file; it prints `"<inaccessible>"` for its name. */
  inaccessible: boolean
}

export function parseVmList(text: string): RegisteredVm[] {
  const vms: RegisteredVm[] = []
  for (const line of text.split(/\r?\n/)) {
    // Names are printed unescaped, so a name may itself hold quotes: the last `" {` ends it.
    const match = /^"(.*)" \{([0-9a-fA-F-]+)\}\s*$/.exec(line)
    if (!match) continue
    const [, name = '', uuid = ''] = match
    vms.push({ name, uuid, inaccessible: name === '<inaccessible>' })
  }
  return vms
}
