// The VirtualBox provider driving the fake VBoxManage (7.x formats) through the same calls it makes on a
// real VirtualBox: list, start, stop (graceful and forced), linked clones with their address, removal,
// and the errors a person sees. Time bounds are scaled down so that the file runs in seconds.
import { afterEach, describe, expect, it } from 'vitest'
import { cloneDescription } from '../../src/main/providers/virtualbox/managed-clones'
import type { VirtualBoxSettingsInput } from '../../src/main/providers/virtualbox/settings'
import {
  type VirtualBoxLogEntry,
  VirtualBoxProvider,
} from '../../src/main/providers/virtualbox/virtualbox-provider'
import {
  callsOf,
  type FakeVBox,
  type FakeVBoxOptions,
  type FakeVmSpec,
  startFakeVBox,
} from '../support/fake-vbox'

const FAST = { pollIntervalMs: 25, shutdownTimeoutMs: 400, ipTimeoutMs: 1_500, commandTimeoutMs: 15_000 }
const MARK = cloneDescription('base', 'clean')
const TEMPLATE: FakeVmSpec = { name: 'base', snapshots: ['clean'] }

let fake: FakeVBox | undefined
let provider: VirtualBoxProvider | undefined
afterEach(async () => {
  await provider?.close()
  await fake?.cleanup()
  fake = provider = undefined
})

async function setup(options: FakeVBoxOptions, settings: VirtualBoxSettingsInput = {}) {
  fake = await startFakeVBox({ version: '7.x', ...options })
  const logs: VirtualBoxLogEntry[] = []
  provider = new VirtualBoxProvider(
    { ...FAST, ...settings },
    { env: fake.env, log: (entry) => logs.push(entry) },
  )
  return { fake, provider, logs, texts: () => logs.map((entry) => entry.text) }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: Error) => error,
  )
}

describe('VirtualBoxProvider', () => {
  it('lists the added VMs and its own clones with state, capacity and address, and nothing else', async () => {
    const { provider } = await setup(
      {
        vms: [
          TEMPLATE,
          {
            name: 'lab-vm',
            state: 'running',
            cpus: 3,
            nics: [{ type: 'nat' }, { type: 'hostonly', ip: '192.168.56.21' }],
          },
          { name: 'lab-off' },
          { name: 'acs-7', description: 'made by hand' },
          { name: 'acs-2', description: MARK },
        ],
      },
      { template: 'base', vms: ['lab-vm', 'lab-off', 'gone'] },
    )
    const vms = await provider.list()
    expect(vms.map((vm) => vm.name)).toEqual(['lab-vm', 'lab-off', 'gone', 'acs-2'])
    expect(vms[0]).toMatchObject({
      name: 'lab-vm',
      provider: 'virtualbox',
      state: 'running',
      vboxState: 'running',
      origin: 'added',
      capacity: 6,
      cpus: 3,
      address: '192.168.56.21',
    })
    expect(vms[1]).toMatchObject({ state: 'stopped', vboxState: 'poweroff', capacity: 4 })
    expect(vms[1]?.address).toBeUndefined()
    expect(vms[2]).toMatchObject({
      state: 'unknown',
      vboxState: 'missing',
      problem: "VirtualBox VM 'gone' does not exist",
    })
    expect(vms[3]).toMatchObject({ name: 'acs-2', origin: 'clone', state: 'stopped' })
    expect(provider.capabilities).toEqual({ startStop: true, create: true })
  })

  it('starts a stopped VM headless, and leaves a running one alone', async () => {
    const { fake, provider } = await setup(
      { vms: [{ name: 'lab-off' }, { name: 'lab-on', state: 'running' }] },
      { vms: ['lab-off', 'lab-on'] },
    )
    await provider.start('lab-off')
    await provider.start('lab-on')
    const state = await fake.state()
    expect(state.vms.find((vm) => vm.name === 'lab-off')?.state).toBe('running')
    expect(callsOf(state, 'startvm')).toEqual([['startvm', 'lab-off', '--type', 'headless']])
  })

  it('refuses VMs it does not manage, and names VMs that do not exist', async () => {
    const { provider } = await setup({ vms: [{ name: 'acs-7', description: 'made by hand' }] })
    expect((await rejection(provider.start('acs-7'))).message).toBe(
      "VirtualBox VM 'acs-7' is not managed by Auto Cloud Scaler: add it on the VMs page first",
    )
    expect((await rejection(provider.stop('nope'))).message).toBe("VirtualBox VM 'nope' does not exist")
  })

  it('stops a VM with the ACPI power button when its guest shuts down', async () => {
    const { fake, provider, texts } = await setup(
      { vms: [{ name: 'lab-vm', state: 'running', behaviour: { acpiShutdownMs: 100 } }] },
      { vms: ['lab-vm'] },
    )
    await provider.stop('lab-vm')
    const state = await fake.state()
    expect(state.vms[0]?.state).toBe('poweroff')
    expect(callsOf(state, 'controlvm')).toEqual([['controlvm', 'lab-vm', 'acpipowerbutton']])
    expect(texts()).toEqual([
      'lab-vm: ACPI power button pressed; the guest has 0.4 s to shut down',
      'lab-vm: shut down',
    ])
  })

  it('powers off a guest that ignores the ACPI power button once the shutdown time is up', async () => {
    const { fake, provider, logs } = await setup(
      { vms: [{ name: 'lab-vm', state: 'running', behaviour: { ignoreAcpi: true } }] },
      { vms: ['lab-vm'] },
    )
    const started = Date.now()
    await provider.stop('lab-vm')
    expect(Date.now() - started).toBeGreaterThanOrEqual(400)
    const state = await fake.state()
    expect(state.vms[0]?.state).toBe('poweroff')
    expect(callsOf(state, 'controlvm').map((call) => call[2])).toEqual(['acpipowerbutton', 'poweroff'])
    expect(logs).toContainEqual({
      text: 'lab-vm: still running 0.4 s after the ACPI power button: powering it off',
      vm: 'lab-vm',
      level: 'warn',
    })
  })

  it('creates a linked clone with new MAC addresses, starts it and returns it with its address', async () => {
    const { fake, provider, texts } = await setup(
      { vms: [{ ...TEMPLATE, cloneBehaviour: { ipAfterCalls: 2 } }] },
      { template: 'base' },
    )
    const vm = await provider.create()
    const state = await fake.state()
    const template = state.vms.find((other) => other.name === 'base')
    const clone = state.vms.find((other) => other.name === 'acs-1')
    expect(callsOf(state, 'clonevm')).toEqual([
      ['clonevm', 'base', '--snapshot', 'clean', '--options', 'link', '--name', 'acs-1', '--register'],
    ])
    expect(clone).toMatchObject({
      state: 'running',
      linkedTo: { vm: 'base', snapshot: 'clean' },
      description: MARK,
    })
    expect(clone?.nics.map((nic) => nic.mac)).not.toContain(template?.nics[0]?.mac)
    expect(clone?.nics.map((nic) => nic.mac)).not.toContain(template?.nics[1]?.mac)
    expect(callsOf(state, 'guestproperty').length).toBeGreaterThanOrEqual(3)
    expect(vm).toMatchObject({
      name: 'acs-1',
      origin: 'clone',
      state: 'running',
      capacity: 4,
    })
    expect(vm.address).toBe(clone?.nics[1]?.ip)
    expect(texts()).toContain(`acs-1: reports address ${vm.address}`)
    expect((await provider.list()).find((listed) => listed.name === 'acs-1')?.address).toBe(vm.address)
    expect((await provider.create()).name).toBe('acs-2')
  })

  it('skips a name whose folder was left behind', async () => {
    const { provider, logs } = await setup({ vms: [TEMPLATE], orphans: ['acs-1'] }, { template: 'base' })
    expect((await provider.create()).name).toBe('acs-2')
    expect(logs.find((entry) => entry.level === 'warn')?.text).toMatch(
      /^acs-1: VBoxManage clonevm base: Machine settings file '.*acs-1\.vbox' already exists; trying the next name$/,
    )
  })

  it('fails clearly when a clone never reports an IP address, and leaves the clone to look at', async () => {
    const { fake, provider, logs } = await setup(
      { vms: [{ ...TEMPLATE, cloneBehaviour: { additions: false } }] },
      { template: 'base' },
    )
    const message =
      "acs-1 started but reported no IP address within 1.5 s: are the VirtualBox Guest Additions installed in the template 'base'?"
    expect((await rejection(provider.create())).message).toBe(message)
    expect((await fake.vm('acs-1'))?.state).toBe('running')
    expect(logs.at(-1)).toEqual({ text: `acs-1: ${message}`, vm: 'acs-1', level: 'error' })
  })

  it('says what is missing when the Guest Additions run but report no usable address', async () => {
    const { provider } = await setup(
      { vms: [{ ...TEMPLATE, cloneBehaviour: { neverIp: true } }] },
      { template: 'base' },
    )
    expect((await rejection(provider.create())).message).toBe(
      'acs-1 started but reported no usable IP address within 1.5 s (its Guest Additions 7.2.4 are running): ' +
        'the guest reports no IPv4 address on any of its adapters yet',
    )
  })

  it('removes a clone: powers it off, then unregisters and deletes it once VirtualBox lets go', async () => {
    const { fake, provider } = await setup({
      vms: [{ name: 'acs-3', state: 'running', description: MARK, behaviour: { sessionReleaseMs: 1_000 } }],
    })
    await provider.remove('acs-3')
    const state = await fake.state()
    expect(state.vms).toEqual([])
    expect(callsOf(state, 'controlvm')).toEqual([['controlvm', 'acs-3', 'poweroff']])
    expect(callsOf(state, 'unregistervm').length).toBeGreaterThan(1)
    expect(callsOf(state, 'unregistervm').at(-1)).toEqual(['unregistervm', 'acs-3', '--delete'])
  })

  it('forgets an added VM without touching it', async () => {
    const { fake, provider } = await setup(
      { vms: [{ name: 'lab-vm', state: 'running' }] },
      { vms: ['lab-vm'] },
    )
    await provider.remove('lab-vm')
    expect(provider.addedVms).toEqual([])
    expect(await provider.list()).toEqual([])
    const state = await fake.state()
    expect(state.vms[0]?.state).toBe('running')
    expect([...callsOf(state, 'controlvm'), ...callsOf(state, 'unregistervm')]).toEqual([])
  })

  it('adds a VM by name, and refuses one that does not exist', async () => {
    const { provider } = await setup({ vms: [{ name: 'lab-off' }] })
    expect(await provider.addVm('lab-off')).toMatchObject({
      name: 'lab-off',
      origin: 'added',
      state: 'stopped',
    })
    expect(provider.addedVms).toEqual(['lab-off'])
    expect((await rejection(provider.addVm('nope'))).message).toBe("VirtualBox VM 'nope' does not exist")
  })

  it('passes on the recorded start failure', async () => {
    const { provider } = await setup(
      { vms: [{ name: 'lab-off', behaviour: { startError: 'start-failed' } }] },
      { vms: ['lab-off'] },
    )
    expect((await rejection(provider.start('lab-off'))).message).toBe(
      "VBoxManage startvm lab-off: The virtual machine 'lab-off' has terminated unexpectedly during startup with exit code 1 (0x1)",
    )
  })

  it('says how to fix a missing VBoxManage', async () => {
    provider = new VirtualBoxProvider({ vms: ['lab-vm'] }, { env: { PATH: '/nonexistent' } })
    expect((await rejection(provider.list())).message).toBe(
      'VBoxManage was not found: install VirtualBox, or set ACS_VBOXMANAGE to its path',
    )
  })

  it('cannot create without a template, from a template without a snapshot, or beyond maxClones', async () => {
    const { provider } = await setup({
      vms: [{ name: 'bare' }, { name: 'acs-1', description: MARK }, TEMPLATE],
    })
    expect(provider.capabilities.create).toBe(false)
    expect((await rejection(provider.create())).message).toMatch(/without a template: set template/)
    const bare = new VirtualBoxProvider({ ...FAST, template: 'bare' }, { env: fake?.env })
    expect((await rejection(bare.create())).message).toBe(
      'the template \'bare\' has no snapshot to link clones to: take one (VBoxManage snapshot "bare" take base) or set snapshot',
    )
    const full = new VirtualBoxProvider({ ...FAST, template: 'base', maxClones: 1 }, { env: fake?.env })
    expect((await rejection(full.create())).message).toMatch(/maximum of 1 clones \(raise maxClones\)/)
  })

  it('waits for the address of an added VM for the caller that deploys the agent', async () => {
    const { provider } = await setup(
      {
        vms: [
          {
            name: 'lab-vm',
            state: 'running',
            nics: [{ type: 'nat' }, { type: 'bridged', ip: '192.168.1.40' }],
            behaviour: { ipAfterMs: 200 },
          },
        ],
      },
      { vms: ['lab-vm'] },
    )
    expect(await provider.waitForAddress('lab-vm')).toBe('192.168.1.40')
  })
})
