// The fake VBoxManage's output, built from the recorded outputs in src/main/providers/virtualbox/fixtures:
// showvminfo is the recorded file of the version with this VM's values put in, errors are the recorded
// messages with the VM's name put in, and the short formats follow VBoxManage's own printf strings.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const FIXTURES = fileURLToPath(
  new URL('../../../src/main/providers/virtualbox/fixtures/', import.meta.url),
)
const manifest = JSON.parse(readFileSync(join(FIXTURES, 'fake-manifest.json'), 'utf8'))
const fixture = (file) => readFileSync(join(FIXTURES, file), 'utf8')

export const PROGRESS = '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n'

export function versionOutput(version) {
  return `${manifest.versions[version]}\n`
}

export function guestAdditionsOf(version) {
  return manifest.guestAdditions[version]
}

/** `list vms`: `"%ls" {%s}` per VM (VBoxManageInfo.cpp, VMINFO_COMPACT). */
export function listOutput(vms) {
  return vms.map((vm) => `"${vm.name}" {${vm.uuid}}\n`).join('')
}

/** A recorded error with `{vm}`, `{state}`, `{baseFolder}` put in. */
export function errorOutput(kind, values) {
  const entry = manifest.errors[kind]
  let text = fixture(entry.file)
  for (const [recorded, placeholder] of Object.entries(entry.replace ?? {})) {
    const value = placeholder.replace(/\{(\w+)\}/g, (_, key) => values[key] ?? '')
    text = text.split(recorded).join(value)
  }
  return text
}

/** VBoxManage's escaping of machine-readable strings: \ and " get a backslash. */
export function escapeValue(value) {
  return String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')
}

/** VMStateChangeTime as recorded: `2023-02-06T02:18:47.191000000`. */
export function stateChangeTime(ms) {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000')
}

const NIC_KEY =
  /^((natnet|macaddress|cableconnected|nic|nictype|nicspeed|hostonlyadapter|bridgeadapter|intnet|nat-network)\d|mtu|sockSnd|sockRcv|tcpWndSnd|tcpWndRcv|Forwarding\(\d+\))$/
const REWRITTEN_AT_END =
  /^(description|Snapshot\w*|CurrentSnapshot\w*|Guest\w*|SessionName|VideoMode|VMStateFile)/

/** `showvminfo --machinereadable` of `vm`, laid out line by line as the recorded output of `version`. */
export function showVmInfoOutput(version, vm, { baseFolder, running }) {
  const template = manifest.showvminfo[version]
  // Names and paths are strings VBoxManage escapes wherever it prints them.
  const text = fixture(template.file)
    .split(template.baseFolder)
    .join(escapeValue(baseFolder))
    .split(template.vm)
    .join(escapeValue(vm.name))
  const out = []
  let nicsWritten = false
  for (const record of records(text)) {
    const key = keyOf(record)
    if (key !== undefined && NIC_KEY.test(key)) {
      if (!nicsWritten) out.push(...nicLines(vm.nics))
      nicsWritten = true
    } else if (key !== undefined && REWRITTEN_AT_END.test(key)) {
      // re-added below, from this VM's own values
    } else if (key === 'UUID' || key === 'hardwareuuid') out.push(`${key}="${vm.uuid}"`)
    else if (key === 'memory') out.push(`memory=${vm.memory}`)
    else if (key === 'cpus') out.push(`cpus=${vm.cpus}`)
    else if (key === 'VMState') out.push(`VMState="${vm.state}"`)
    else if (key === 'VMStateChangeTime')
      out.push(`VMStateChangeTime="${stateChangeTime(vm.stateChangedAt)}"`)
    else {
      out.push(record)
      // A VM with a session shows it and its screen right after the drag-and-drop mode.
      if (key === 'draganddrop' && running)
        out.push('SessionName="headless"', 'VideoMode="1024,768,32"@0,0 1')
    }
  }
  if (vm.description) out.push(`description="${escapeValue(vm.description)}"`)
  out.push(...snapshotLines(vm))
  out.push('GuestMemoryBalloon=0')
  if (running && vm.behaviour?.additions !== false) {
    const additions = guestAdditionsOf(version)
    const since = vm.startedAt ?? vm.stateChangedAt
    out.push(
      'GuestOSType="Ubuntu_64"',
      'GuestAdditionsRunLevel=2',
      `GuestAdditionsVersion="${additions.version} r${additions.revision}"`,
      `GuestAdditionsFacility_VirtualBox Base Driver=50,${since + 1200}`,
      `GuestAdditionsFacility_VirtualBox System Service=50,${since + 2900}`,
      `GuestAdditionsFacility_Seamless Mode=0,${since + 1197}`,
      `GuestAdditionsFacility_Graphics Mode=0,${since + 1197}`,
    )
  }
  return `${out.join('\n')}\n`
}

/** Adapters as VBoxManageInfo.cpp prints them: attachment, MAC, cable, type, speed, then NAT settings. */
function nicLines(nics) {
  const lines = []
  for (let slot = 1; slot <= 8; slot++) {
    const nic = nics[slot - 1]
    if (!nic) {
      lines.push(`nic${slot}="none"`)
      continue
    }
    if (nic.type === 'nat') lines.push(`natnet${slot}="nat"`)
    if (nic.type === 'hostonly') lines.push(`hostonlyadapter${slot}="${nic.network ?? 'vboxnet0'}"`)
    if (nic.type === 'bridged') lines.push(`bridgeadapter${slot}="${nic.network ?? 'en0'}"`)
    lines.push(
      `macaddress${slot}="${nic.mac}"`,
      `cableconnected${slot}="on"`,
      `nic${slot}="${nic.type}"`,
      `nictype${slot}="82540EM"`,
      `nicspeed${slot}="0"`,
    )
    if (nic.type === 'nat') {
      lines.push('mtu="0"', 'sockSnd="64"', 'sockRcv="64"', 'tcpWndSnd="64"', 'tcpWndRcv="64"')
      for (const [i, rule] of (nic.forwardings ?? []).entries()) lines.push(`Forwarding(${i})="${rule}"`)
    }
  }
  return lines
}

/** A chain of snapshots, numbered as VBoxManage numbers nested ones: SnapshotName, SnapshotName-1, … */
function snapshotLines(vm) {
  const lines = []
  for (const [depth, snapshot] of (vm.snapshots ?? []).entries()) {
    const suffix = '-1'.repeat(depth)
    lines.push(
      `SnapshotName${suffix}="${escapeValue(snapshot.name)}"`,
      `SnapshotUUID${suffix}="${snapshot.uuid}"`,
    )
    if (snapshot.name === vm.currentSnapshot)
      lines.push(
        `CurrentSnapshotName="${escapeValue(snapshot.name)}"`,
        `CurrentSnapshotUUID="${snapshot.uuid}"`,
        `CurrentSnapshotNode="SnapshotName${suffix}"`,
      )
  }
  return lines
}

/** Lines, with a quoted value that runs over several lines (a description) kept as one record. */
function records(text) {
  const result = []
  let open
  for (const line of text.replace(/\n$/, '').split('\n')) {
    open = open === undefined ? line : `${open}\n${line}`
    if (unescapedQuotes(open) % 2 === 0) {
      result.push(open)
      open = undefined
    }
  }
  if (open !== undefined) result.push(open)
  return result
}

function unescapedQuotes(text) {
  return (text.replace(/\\\\|\\"/g, '').match(/"/g) ?? []).length
}

function keyOf(record) {
  if (record.startsWith('"')) return /^"((?:\\.|[^"\\])*)"=/.exec(record)?.[1]
  const equals = record.indexOf('=')
  return equals === -1 ? undefined : record.slice(0, equals)
}

/** `guestproperty enumerate`: 6.1's one-line records, or 7.x's sorted, aligned table. */
export function enumerateOutput(version, properties) {
  if (properties.length === 0) return 'No properties found.\n'
  if (version === '6.1')
    return properties
      .map((p) => `Name: ${p.name}, value: ${p.value}, timestamp: ${p.timestamp}000000, flags: ${p.flags}\n`)
      .join('')
  // VBoxManageGuestProp.cpp: name and value columns at most 48 and 28 wide, then `@ <time>` and the flags.
  const sorted = [...properties].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const nameWidth = Math.min(Math.max(1, ...sorted.map((p) => p.name.length)), 48)
  const valueWidth = Math.min(Math.max(1, ...sorted.map((p) => p.value.length)), 28)
  return sorted
    .map((p) => {
      const head = `${p.name.padEnd(nameWidth)} = '${p.value}'`
      const width = nameWidth + valueWidth + 6
      const padding = head.length < width ? width - head.length : 1
      const time = `@ ${new Date(p.timestamp).toISOString()}`
      return `${head}${' '.repeat(padding)}${time}${p.flags ? ` ${p.flags}` : ''}\n`
    })
    .join('')
}

/** `guestproperty get` (same text in 6.1 and 7.x). */
export function getOutput(value) {
  return value === undefined || value === '' ? 'No value set!\n' : `Value: ${value}\n`
}
