// Recorded VBoxManage errors as messages a person can act on, and kinds the provider branches on.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { commandSummary, describeFailure, errorLines, type VBoxFailureKind } from './vbox-errors'

const fixture = (path: string) => readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8')

describe('describeFailure', () => {
  it.each<[string, string[], string, VBoxFailureKind, string | RegExp]>([
    [
      'a VM that does not exist',
      ['showvminfo', 'windows7', '--machinereadable'],
      fixture('errors/not-found.txt'),
      'not-found',
      "VirtualBox VM 'windows7' does not exist",
    ],
    [
      'a locked VM',
      ['startvm', 'DC01', '--type', 'headless'],
      fixture('errors/already-locked.txt'),
      'locked',
      /^VirtualBox VM 'DC01' is locked by another session: it is already running/,
    ],
    [
      'a VM that is not running',
      ['controlvm', 'x', 'poweroff'],
      fixture('errors/not-running.txt'),
      'not-running',
      "VirtualBox VM 'xUbuntu_14.04-owncloud-8.2.0-4.1-201511161821-DEBUG' is not running",
    ],
    [
      'a wrong state, on Windows',
      ['controlvm', 'minikube', 'acpipowerbutton'],
      fixture('errors/invalid-state-windows.txt'),
      'invalid-state',
      'VBoxManage controlvm minikube acpipowerbutton: Invalid machine state: Stopping',
    ],
    [
      'a name already taken',
      ['clonevm', 'base', '--name', 'win7x64base'],
      fixture('errors/settings-file-exists.txt'),
      'exists',
      "VBoxManage clonevm base: Machine settings file '/home/cuckoo/.vmcloak/vms/win7x64base/win7x64base.vbox' already exists",
    ],
    [
      'a VM that failed to start',
      ['startvm', 'w', '--type', 'headless'],
      fixture('errors/start-failed.txt'),
      'failed',
      "VBoxManage startvm w: The virtual machine 'docker-mac-vagrant_workbox_1637584841804_71894' has terminated unexpectedly during startup with exit code 1 (0x1)",
    ],
    [
      'a VM still locked while it is unregistered',
      ['unregistervm', 'acs-1', '--delete'],
      fixture('errors/unregister-locked.txt'),
      'locked',
      /^VirtualBox VM 'firstvagrant_node2_1714537166783_19194' is locked/,
    ],
    [
      'no error line at all',
      ['list', 'vms'],
      '0%...100%\nsomething odd\n',
      'failed',
      'VBoxManage list vms failed with exit code 1: something odd',
    ],
    ['nothing on stderr', ['list', 'vms'], '', 'failed', 'VBoxManage list vms failed with exit code 1'],
  ])('names %s', (_, args, stderr, kind, message) => {
    const failure = describeFailure(args, stderr, 1)
    expect(failure.kind).toBe(kind)
    expect(failure.message).toMatch(message)
  })

  it('reads the VM of a not-found error given by UUID', () => {
    const stderr =
      'VBoxManage: error: Could not find a registered machine with UUID {a2eb6f0e-7856-46ba-966f-1b6aacd3c47d}\n'
    expect(describeFailure(['startvm', 'x'], stderr, 1).message).toBe(
      "VirtualBox VM 'a2eb6f0e-7856-46ba-966f-1b6aacd3c47d' does not exist",
    )
  })
})

describe('errorLines', () => {
  it('keeps the text of every error line, on Linux and on Windows', () => {
    expect(errorLines(fixture('errors/invalid-state-windows.txt'))[0]).toBe('Invalid machine state: Stopping')
    expect(errorLines(fixture('errors/not-found.txt'))).toHaveLength(3)
  })
})

describe('commandSummary', () => {
  it.each([
    [['startvm', 'acs-1', '--type', 'headless'], 'VBoxManage startvm acs-1'],
    [['controlvm', 'acs-1', 'poweroff'], 'VBoxManage controlvm acs-1 poweroff'],
    [['guestproperty', 'enumerate', 'acs-1', '--patterns', '*'], 'VBoxManage guestproperty enumerate acs-1'],
    [['--version'], 'VBoxManage'],
  ])('%j → %s', (args, summary) => {
    expect(commandSummary(args)).toBe(summary)
  })
})
