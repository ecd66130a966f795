// A scripted stand-in for VBoxManage: the VMs live in $FAKE_VBOX_STATE/state.json, each with behaviour a
// test sets (IP after K calls or T ms, never an IP, ignores ACPI, start fails), and every answer is printed
// in the recorded format of VirtualBox $FAKE_VBOX_VERSION (6.1 or 7.x).
import { randomUUID } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as format from './formats.mjs'

const dir = process.env.FAKE_VBOX_STATE
const out = { stdout: '', stderr: '', code: 0 }
const args = process.argv.slice(2)

class Exit extends Error {}
const fail = (kind, values, code = 1) => {
  out.stderr += format.errorOutput(kind, values)
  out.code = code
  throw new Exit()
}
const failWith = (text, code = 1) => {
  out.stderr += text
  out.code = code
  throw new Exit()
}

if (!dir) {
  process.stderr.write('fake VBoxManage: FAKE_VBOX_STATE is not set\n')
  process.exit(2)
}
// A VirtualBox that takes this long to answer, for the caller's time bound.
const hang = Number(process.env.FAKE_VBOX_HANG_MS ?? 0)
if (hang > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, hang)
withLock(() => {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))
  state.calls.push(args)
  const version = process.env.FAKE_VBOX_VERSION ?? state.version ?? '7.x'
  const now = Date.now()
  for (const vm of state.vms) settle(vm, now)
  try {
    run(state, version, now)
  } catch (error) {
    if (!(error instanceof Exit)) throw error
  }
  const temporary = join(dir, `state.${process.pid}.json`)
  writeFileSync(temporary, JSON.stringify(state, null, 1))
  renameSync(temporary, join(dir, 'state.json'))
})
process.stdout.write(out.stdout)
process.stderr.write(out.stderr)
process.exitCode = out.code

function run(state, version, now) {
  const [command, ...rest] = args
  const find = (name) => state.vms.find((vm) => vm.name === name || vm.uuid === name)
  const mustFind = (name) => find(name) ?? fail('not-found', { vm: name })
  const positional = rest.filter(
    (arg, i) =>
      !arg.startsWith('-') && !rest[i - 1]?.match(/^--(type|snapshot|options|name|patterns|description)$/),
  )
  const option = (name) => {
    const i = rest.indexOf(`--${name}`)
    if (i !== -1) return rest[i + 1]
    return rest.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3)
  }
  const running = (vm) => ['running', 'paused', 'stopping', 'starting', 'gurumeditation'].includes(vm.state)

  if (command === '--version' || command === '-v' || command === '-V')
    out.stdout += format.versionOutput(version)
  else if (command === 'list' && rest[0] === 'vms') out.stdout += format.listOutput(state.vms)
  else if (command === 'list' && rest[0] === 'runningvms')
    out.stdout += format.listOutput(state.vms.filter(running))
  else if (command === 'showvminfo') {
    if (!rest.includes('--machinereadable'))
      failWith('fake VBoxManage: only showvminfo --machinereadable\n', 2)
    const vm = mustFind(positional[0])
    out.stdout += format.showVmInfoOutput(version, vm, { baseFolder: state.baseFolder, running: running(vm) })
  } else if (command === 'startvm') {
    const vm = mustFind(positional[0])
    if (running(vm) || vm.behaviour?.startError === 'locked') fail('locked', { vm: vm.name })
    out.stdout += `Waiting for VM "${positional[0]}" to power on...\n`
    if (vm.behaviour?.startError === 'start-failed') fail('start-failed', { vm: vm.name })
    Object.assign(vm, {
      state: 'running',
      stateChangedAt: now,
      startedAt: now,
      guestCalls: 0,
      ipReported: false,
    })
    vm.acpiPressedAt = undefined
    out.stdout += `VM "${positional[0]}" has been successfully started.\n`
  } else if (command === 'controlvm') {
    const vm = mustFind(positional[0])
    if (!running(vm)) fail('not-running', { vm: positional[0] })
    if (positional[1] === 'acpipowerbutton') {
      if (vm.state === 'paused') fail('invalid-state', { state: 'Paused' })
      if (!vm.behaviour?.ignoreAcpi) vm.acpiPressedAt ??= now
    } else if (positional[1] === 'poweroff') {
      Object.assign(vm, { state: 'poweroff', stateChangedAt: now, poweredOffAt: now })
      out.stderr += format.PROGRESS
    } else failWith(`fake VBoxManage: controlvm ${positional[1]} is not implemented\n`, 2)
  } else if (command === 'clonevm') clone(state, mustFind(positional[0]), option, now)
  else if (command === 'modifyvm') {
    const vm = mustFind(positional[0])
    if (running(vm)) fail('locked', { vm: vm.name })
    const description = option('description')
    if (description !== undefined) vm.description = description
  } else if (command === 'guestproperty' && (rest[0] === 'enumerate' || rest[0] === 'get')) {
    const vm = mustFind(rest[1])
    const properties = vm.guestProps ?? []
    if (rest[0] === 'get') out.stdout += format.getOutput(properties.find((p) => p.name === rest[2])?.value)
    else {
      const patterns = (option('patterns') ?? rest.slice(2).find((arg) => !arg.startsWith('-')) ?? '*').split(
        /[,|]/,
      )
      out.stdout += format.enumerateOutput(
        version,
        properties.filter((p) => patterns.some((g) => glob(g).test(p.name))),
      )
    }
    vm.guestCalls = (vm.guestCalls ?? 0) + 1
  } else if (command === 'unregistervm') {
    const vm = mustFind(positional[0])
    const releasing = now - (vm.poweredOffAt ?? 0) < (vm.behaviour?.sessionReleaseMs ?? 0)
    if (running(vm) || releasing) fail('unregister-locked', { vm: vm.name })
    state.vms = state.vms.filter((other) => other !== vm)
    if (!rest.includes('--delete')) state.orphans.push(vm.name)
    out.stderr += format.PROGRESS
  } else failWith(`fake VBoxManage: not implemented: ${args.join(' ')}\n`, 2)
}

function clone(state, source, option, now) {
  const snapshotName = option('snapshot')
  const options = (option('options') ?? '').toLowerCase().split(',')
  const name = option('name') ?? `${source.name} Clone`
  if (snapshotName !== undefined && !(source.snapshots ?? []).some((s) => s.name === snapshotName))
    failWith(
      `VBoxManage: error: Could not find a snapshot named '${snapshotName}'\n` +
        'VBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component MachineWrap, interface IMachine, callee nsISupports\n',
    )
  if (options.includes('link') && snapshotName === undefined)
    failWith('VBoxManage: error: Linked clone can only be created from a snapshot\n')
  if (state.vms.some((vm) => vm.name === name) || state.orphans.includes(name))
    fail('settings-file-exists', { vm: name, baseFolder: state.baseFolder })
  state.clones = (state.clones ?? 0) + 1
  const nics = source.nics.map((nic, i) => {
    const keep = options.includes('keepallmacs') || (options.includes('keepnatmacs') && nic.type === 'nat')
    const ip =
      nic.type === 'nat'
        ? '10.0.2.15'
        : `${nic.type === 'bridged' ? '192.168.1' : '192.168.56'}.${100 + state.clones * 8 + i}`
    return {
      ...nic,
      mac: keep ? nic.mac : `080027${(0xc00000 + state.clones * 8 + i).toString(16).toUpperCase()}`,
      ip,
    }
  })
  const copy = {
    ...structuredClone(source),
    name,
    uuid: randomUUID(),
    state: 'poweroff',
    stateChangedAt: now,
    nics,
    snapshots: [],
    currentSnapshot: undefined,
    behaviour: source.cloneBehaviour ?? {},
    cloneBehaviour: undefined,
    linkedTo: options.includes('link') ? { vm: source.name, snapshot: snapshotName } : undefined,
    startedAt: undefined,
    guestCalls: 0,
    ipReported: false,
  }
  if (args.includes('--register')) state.vms.push(copy)
  else state.orphans.push(name)
  out.stderr += format.PROGRESS
  out.stdout += `Machine has been successfully cloned as "${name}"\n`
}

/** Time passes between calls: an ACPI shutdown completes, the Guest Additions report the network. */
function settle(vm, now) {
  const behaviour = vm.behaviour ?? {}
  if (
    vm.state === 'running' &&
    vm.acpiPressedAt !== undefined &&
    now - vm.acpiPressedAt >= (behaviour.acpiShutdownMs ?? 0)
  )
    Object.assign(vm, { state: 'poweroff', stateChangedAt: now, poweredOffAt: now, acpiPressedAt: undefined })
  if (vm.state !== 'running' || vm.ipReported || behaviour.additions === false) return
  if (
    (vm.guestCalls ?? 0) < (behaviour.ipAfterCalls ?? 0) ||
    now - (vm.startedAt ?? 0) < (behaviour.ipAfterMs ?? 0)
  )
    return
  vm.ipReported = true
  const additions = format.guestAdditionsOf(process.env.FAKE_VBOX_VERSION ?? '7.x')
  const fresh = [
    ['/VirtualBox/GuestAdd/Version', additions.version],
    ['/VirtualBox/GuestAdd/Revision', additions.revision],
  ]
  if (!behaviour.neverIp) {
    let interfaces = [...vm.nics.filter((nic) => nic.ip), ...(behaviour.extraInterfaces ?? [])]
    if (behaviour.guestOrder === 'reverse') interfaces = interfaces.reverse()
    for (const [i, iface] of interfaces.entries()) {
      fresh.push(
        [`/VirtualBox/GuestInfo/Net/${i}/MAC`, iface.mac],
        [`/VirtualBox/GuestInfo/Net/${i}/V4/IP`, iface.ip],
      )
      fresh.push([`/VirtualBox/GuestInfo/Net/${i}/Status`, 'Up'])
    }
    fresh.push(['/VirtualBox/GuestInfo/Net/Count', String(interfaces.length)])
  }
  // Properties of an earlier boot (or of the template) are overwritten, like VBoxService does.
  const kept = (vm.guestProps ?? []).filter((p) => !p.name.startsWith('/VirtualBox/GuestInfo/Net/'))
  vm.guestProps = [
    ...kept.filter((p) => !fresh.some(([name]) => name === p.name)),
    ...fresh.map(([name, value]) => ({ name, value, timestamp: now, flags: '' })),
  ]
}

/** RTStrSimplePatternMatch: `*` is any run of characters, `?` one. */
function glob(pattern) {
  const escaped = pattern
    .replace(/[.+^${}()[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${escaped}$`)
}

/** Calls from concurrent test code must not lose each other's changes to state.json. */
function withLock(body) {
  const lock = join(dir, 'lock')
  const wait = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
      try {
        if (Date.now() - statSync(lock).mtimeMs > 5000) rmdirSync(lock)
      } catch {}
      Atomics.wait(wait, 0, 0, 5)
    }
  }
  try {
    body()
  } finally {
    rmdirSync(lock)
  }
}
