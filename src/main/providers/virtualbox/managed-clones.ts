// How the provider recognises the clones it made, across restarts of the VIM: the name prefix AND a line it
// writes into the VM's description. The name alone could match a VM the user made by hand, and remove()
// deletes clones with their disks, so both must hold. The description (not a guest property) carries the
// mark because it lives in the host-side settings the guest cannot write, it comes with the showvminfo
// call list() makes anyway, and a person looking at the VM in VirtualBox reads why it exists.

const MARK = 'Auto Cloud Scaler: linked clone of '

export function cloneDescription(template: string, snapshot: string): string {
  return `${MARK}'${template}' (snapshot '${snapshot}'). Removing it in Auto Cloud Scaler deletes this VM.`
}

export function isManagedClone(name: string, description: string | undefined, namePrefix: string): boolean {
  return name.startsWith(namePrefix) && (description ?? '').startsWith(MARK)
}

/** The template a managed clone was made from, as its description records it. */
export function cloneTemplate(description: string | undefined): string | undefined {
  if (!description?.startsWith(MARK)) return undefined
  return /^'(.*?)' \(snapshot /.exec(description.slice(MARK.length))?.[1]
}

/** `<prefix>N` with the lowest N no registered VM (nor `taken`) already uses. */
export function nextCloneName(
  namePrefix: string,
  registered: Iterable<string>,
  taken: Iterable<string> = [],
): string {
  const used = new Set([...registered, ...taken])
  let n = 1
  while (used.has(`${namePrefix}${n}`)) n++
  return `${namePrefix}${n}`
}
