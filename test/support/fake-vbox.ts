// Sets up the fake VBoxManage (test/support/fake-vboxmanage) for one test: a temporary state directory
// holding the given VMs, the environment that puts the fake first on PATH, and readers of its state.
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type FakeVBoxVersion = '6.1' | '7.x'

export const FAKE_VBOXMANAGE_DIR = fileURLToPath(new URL('./fake-vboxmanage/', import.meta.url))

export interface FakeNic {
  type: 'nat' | 'hostonly' | 'bridged'
  mac?: string
  /** The host-only adapter or bridged interface. */
  network?: string
  /** What the guest reports on this adapter once its Additions run. */
  ip?: string
  forwardings?: string[]
}

export interface FakeBehaviour {
  /** Guest Additions installed (default true); without them no guest property is ever written. */
  additions?: boolean
  /** The network appears once this many guestproperty calls were made after the start. */
  ipAfterCalls?: number
  /** … and this long after the start. */
  ipAfterMs?: number
  /** The Additions run but never report an IPv4 address. */
  neverIp?: boolean
  /** The guest ignores the ACPI power button. */
  ignoreAcpi?: boolean
  /** How long the guest takes to shut down after the ACPI power button. */
  acpiShutdownMs?: number
  /** startvm fails with the recorded error of that kind. */
  startError?: 'start-failed' | 'locked'
  /** The guest numbers its interfaces in the reverse of VirtualBox's adapter order. */
  guestOrder?: 'reverse'
  /** Interfaces the guest reports besides its adapters, such as Docker's bridge. */
  extraInterfaces?: { mac: string; ip: string }[]
  /** After a power off, unregistervm says "locked" for this long. */
  sessionReleaseMs?: number
}

export interface FakeGuestProperty {
  name: string
  value: string
  /** ms since the epoch */
  timestamp: number
  flags: string
}

export interface FakeVmSpec {
  name: string
  uuid?: string
  state?: 'poweroff' | 'running' | 'paused' | 'saved' | 'aborted'
  cpus?: number
  memory?: number
  /** Default: a NAT adapter and a host-only one on vboxnet0. */
  nics?: FakeNic[]
  /** A chain of snapshots, oldest first; the last is the current one unless currentSnapshot says otherwise. */
  snapshots?: (string | { name: string; uuid: string })[]
  currentSnapshot?: string
  description?: string
  /** ms since the epoch (default: a minute before the setup). */
  stateChangedAt?: number
  behaviour?: FakeBehaviour
  /** The behaviour of the clones made of this VM. */
  cloneBehaviour?: FakeBehaviour
  guestProps?: FakeGuestProperty[]
}

export interface FakeVm extends Required<Pick<FakeVmSpec, 'name' | 'cpus' | 'memory' | 'nics'>> {
  uuid: string
  state: string
  stateChangedAt: number
  snapshots: { name: string; uuid: string }[]
  currentSnapshot?: string
  description?: string
  behaviour: FakeBehaviour
  cloneBehaviour?: FakeBehaviour
  guestProps: FakeGuestProperty[]
  startedAt?: number
  linkedTo?: { vm: string; snapshot: string }
}

export interface FakeState {
  version: FakeVBoxVersion
  baseFolder: string
  vms: FakeVm[]
  /** Names whose settings folder exists without a registered VM (a clone to them fails). */
  orphans: string[]
  /** Every VBoxManage invocation's arguments, oldest first. */
  calls: string[][]
}

export interface FakeVBox {
  dir: string
  /** The environment with the fake first on PATH (and no ACS_VBOXMANAGE). */
  env: NodeJS.ProcessEnv
  state(): Promise<FakeState>
  vm(name: string): Promise<FakeVm | undefined>
  cleanup(): Promise<void>
}

export interface FakeVBoxOptions {
  version?: FakeVBoxVersion
  vms?: FakeVmSpec[]
  /** Names whose settings folder is left over without a registered VM. */
  orphans?: string[]
  /** Where VirtualBox keeps its VMs (default: inside the temporary directory). */
  baseFolder?: string
}

export async function startFakeVBox(options: FakeVBoxOptions = {}): Promise<FakeVBox> {
  const dir = await mkdtemp(join(tmpdir(), 'acs-fake-vbox-'))
  const version = options.version ?? '7.x'
  const now = Date.now()
  let counter = 0
  const vms = (options.vms ?? []).map((spec): FakeVm => {
    const nics = (spec.nics ?? [{ type: 'nat' }, { type: 'hostonly', network: 'vboxnet0' }]).map(
      (nic, i) => ({
        ...nic,
        mac: nic.mac ?? `080027${(0xa00000 + ++counter).toString(16).toUpperCase()}`,
        ip: nic.ip ?? (nic.type === 'nat' ? '10.0.2.15' : `192.168.56.${10 + counter + i}`),
      }),
    )
    const state = spec.state ?? 'poweroff'
    return {
      name: spec.name,
      uuid: spec.uuid ?? randomUUID(),
      state,
      stateChangedAt: spec.stateChangedAt ?? now - 60_000,
      cpus: spec.cpus ?? 2,
      memory: spec.memory ?? 2048,
      nics,
      snapshots: (spec.snapshots ?? []).map((snapshot) =>
        typeof snapshot === 'string' ? { name: snapshot, uuid: randomUUID() } : snapshot,
      ),
      ...(spec.snapshots?.length
        ? { currentSnapshot: spec.currentSnapshot ?? snapshotName(spec.snapshots.at(-1)) }
        : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      behaviour: spec.behaviour ?? {},
      ...(spec.cloneBehaviour ? { cloneBehaviour: spec.cloneBehaviour } : {}),
      guestProps: spec.guestProps ?? [],
      ...(state === 'running' ? { startedAt: spec.stateChangedAt ?? now } : {}),
    }
  })
  const state: FakeState = {
    version,
    baseFolder: options.baseFolder ?? join(dir, 'VirtualBox VMs'),
    vms,
    orphans: options.orphans ?? [],
    calls: [],
  }
  await writeFile(join(dir, 'state.json'), JSON.stringify(state, null, 1))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${FAKE_VBOXMANAGE_DIR}${delimiter}${process.env.PATH ?? ''}`,
    FAKE_VBOX_STATE: dir,
    FAKE_VBOX_VERSION: version,
  }
  delete env.ACS_VBOXMANAGE
  const read = async () => JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as FakeState
  return {
    dir,
    env,
    state: read,
    vm: async (name) => (await read()).vms.find((vm) => vm.name === name),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

function snapshotName(snapshot: string | { name: string } | undefined): string | undefined {
  return typeof snapshot === 'string' ? snapshot : snapshot?.name
}

/** The arguments of the calls that began with `command`, e.g. calls(state, 'startvm'). */
export function callsOf(state: FakeState, command: string): string[][] {
  return state.calls.filter((call) => call[0] === command)
}
