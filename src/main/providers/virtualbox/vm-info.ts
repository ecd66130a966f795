// What the provider needs from one `showvminfo --machinereadable`: identity, power state, CPUs and
// memory, network adapters with their MACs, description, snapshots and the Guest Additions version.
import type { ProviderVmState } from '../../../shared/domain/cluster'
import { parseMachineReadableEntries } from './machine-readable'

export interface NatForwarding {
  name: string
  protocol: string
  hostIp: string
  hostPort: number
  guestIp: string
  guestPort: number
}

export interface VBoxNic {
  /** The adapter number as VirtualBox shows it, 1 to 8. */
  slot: number
  /** nat, hostonly, bridged, intnet, natnetwork, hostonlynetwork, Generic, null… as VBoxManage prints it. */
  attachment: string
  /** Twelve upper-case hex digits, the same form the guest reports in /VirtualBox/GuestInfo/Net/N/MAC. */
  mac: string | undefined
  /** The NAT network, host-only adapter, bridged interface or internal network it is attached to. */
  network: string | undefined
  forwardings: NatForwarding[]
}

export interface VBoxVmInfo {
  name: string
  uuid: string
  /** VMState as VirtualBox reports it: poweroff, running, saved, aborted, paused, … */
  vboxState: string
  state: ProviderVmState
  /** VMStateChangeTime, e.g. 2023-02-06T02:18:47.191000000 (host time, no zone). */
  stateChangedAt: string | undefined
  cpus: number | undefined
  memoryMb: number | undefined
  nics: VBoxNic[]
  description: string | undefined
  snapshots: string[]
  currentSnapshot: string | undefined
  /** e.g. "7.2.4 r170995"; only while the VM runs and its Additions have reported. */
  guestAdditionsVersion: string | undefined
}

/**
 * VirtualBox's machine states (VBoxManageInfo.cpp, machineStateToName) as the four the cluster knows.
 * States where the VM keeps running while VirtualBox works on it (live snapshot, teleport) count as
 * running; offline operations on a powered-off VM count as stopped; paused and guru meditation are
 * neither, so they are 'unknown' and the raw state is kept alongside.
 */
const STATES: Record<string, ProviderVmState> = {
  poweroff: 'stopped',
  saved: 'stopped',
  aborted: 'stopped',
  'aborted-saved': 'stopped',
  teleported: 'stopped',
  snapshotting: 'stopped',
  restoringsnapshot: 'stopped',
  deletingsnapshot: 'stopped',
  settingup: 'stopped',
  starting: 'starting',
  restoring: 'starting',
  teleportingin: 'starting',
  running: 'running',
  livesnapshotting: 'running',
  onlinesnapshotting: 'running',
  teleporting: 'running',
  deletingsnapshotlive: 'running',
  stopping: 'stopping',
  saving: 'stopping',
  paused: 'unknown',
  teleportingpausedvm: 'unknown',
  deletingsnapshotlivepaused: 'unknown',
  gurumeditation: 'unknown',
}

export function providerStateOf(vboxState: string): ProviderVmState {
  return STATES[vboxState] ?? 'unknown'
}

const NIC_KEY =
  /^(nic|macaddress|natnet|hostonlyadapter|bridgeadapter|intnet|nat-network|hostonly-network|generic)(\d)$/

export function parseVmInfo(text: string): VBoxVmInfo {
  const values = new Map<string, string>()
  const nics = new Map<
    number,
    { attachment?: string; mac?: string; network?: string; forwardings: NatForwarding[] }
  >()
  const nicAt = (slot: number) => {
    const nic = nics.get(slot) ?? { forwardings: [] }
    nics.set(slot, nic)
    return nic
  }
  const snapshots: string[] = []
  // Forwarding(i) lines carry no adapter number: they follow the natnetN line of their NAT adapter.
  let natSlot: number | undefined
  for (const [key, value] of parseMachineReadableEntries(text)) {
    values.set(key, value)
    const nicKey = NIC_KEY.exec(key)
    if (nicKey) {
      const [, field, digit] = nicKey
      const nic = nicAt(Number(digit))
      if (field === 'nic') nic.attachment = value
      else if (field === 'macaddress') nic.mac = value.toUpperCase()
      else nic.network = value
      if (field === 'natnet') natSlot = Number(digit)
      continue
    }
    const forwarding = /^Forwarding\(\d+\)$/.test(key) ? parseForwarding(value) : undefined
    if (forwarding && natSlot !== undefined) nicAt(natSlot).forwardings.push(forwarding)
    if (/^SnapshotName(-\d+)*$/.test(key)) snapshots.push(value)
  }
  const vboxState = values.get('VMState') ?? 'unknown'
  return {
    name: values.get('name') ?? '',
    uuid: values.get('UUID') ?? '',
    vboxState,
    state: providerStateOf(vboxState),
    stateChangedAt: values.get('VMStateChangeTime'),
    cpus: wholeNumber(values.get('cpus')),
    memoryMb: wholeNumber(values.get('memory')),
    nics: [...nics.entries()]
      .filter(([, nic]) => nic.attachment !== undefined && nic.attachment !== 'none')
      .sort(([a], [b]) => a - b)
      .map(([slot, nic]) => ({
        slot,
        attachment: nic.attachment ?? 'null',
        mac: nic.mac,
        network: nic.network,
        forwardings: nic.forwardings,
      })),
    description: values.get('description'),
    snapshots,
    currentSnapshot: values.get('CurrentSnapshotName'),
    guestAdditionsVersion: values.get('GuestAdditionsVersion'),
  }
}

/** `name,tcp,hostip,hostport,guestip,guestport`, e.g. `ssh,tcp,127.0.0.1,2222,,22`. */
function parseForwarding(value: string): NatForwarding | undefined {
  const parts = value.split(',')
  if (parts.length !== 6) return undefined
  const [name = '', protocol = '', hostIp = '', hostPort = '', guestIp = '', guestPort = ''] = parts
  return { name, protocol, hostIp, hostPort: Number(hostPort), guestIp, guestPort: Number(guestPort) }
}

function wholeNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return Number(value)
}
