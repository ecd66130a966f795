// Container names shortened to what tells them apart: the agent names them `acs-<vm>-<id>`, SSH hosts'
// VMs carry long address-like names, so side by side they all start alike. Dash-separated words that
// every name of the group shares at the start are dropped (the VM is named right above them); the full
// name stays in the tooltip. Pure.

const SEPARATOR = /(?<=[-_.])/

/** name → the shortest tail, on word boundaries, that no other name of `names` shares. */
export function shortNames(names: readonly string[]): Map<string, string> {
  const short = new Map<string, string>()
  if (names.length === 0) return short
  const words = names.map((name) => name.split(SEPARATOR))
  // The words every name starts with, but never a name's last word: something must remain.
  let common = 0
  const shortest = Math.min(...words.map((w) => w.length))
  while (common < shortest - 1 && words.every((w) => w[common] === words[0]?.[common])) common++
  names.forEach((name, i) => {
    const tail = (words[i] ?? []).slice(common).join('')
    short.set(name, tail === '' ? name : tail)
  })
  return short
}
