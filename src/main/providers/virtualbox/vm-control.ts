// The VBoxManage steps on one VM that take more than one call: reading its state, a graceful stop with a
// forced fallback, a power off that tolerates a VM that already stopped, and deleting a clone whose
// session VirtualBox is still releasing.
import type { Sleep } from './address-wait'
import { VBoxManageError } from './vbox-errors'
import { seconds, type VBoxManage } from './vboxmanage'
import { parseVmInfo, type VBoxVmInfo } from './vm-info'
import { parseVmList, type RegisteredVm } from './vm-list'

export interface VmControlContext {
  vbox: VBoxManage
  sleep: Sleep
  now: () => number
  pollIntervalMs: number
  signal: AbortSignal
  log(level: 'info' | 'warn' | 'error', vm: string, text: string): void
}

/** How long a delete is retried while VirtualBox still holds the session of a VM just powered off. */
const UNLOCK_WAIT_MS = 5_000

export class VmControl {
  constructor(private readonly context: VmControlContext) {}

  async registered(): Promise<RegisteredVm[]> {
    const listed = await this.context.vbox.run(['list', 'vms'])
    return parseVmList(listed.stdout).filter((vm) => !vm.inaccessible)
  }

  async info(name: string): Promise<VBoxVmInfo> {
    return parseVmInfo((await this.context.vbox.run(['showvminfo', name, '--machinereadable'])).stdout)
  }

  /** Undefined when the VM was deleted between `list vms` and now. */
  async infoIfExists(name: string): Promise<VBoxVmInfo | undefined> {
    return this.info(name).catch((error: unknown) => {
      if (error instanceof VBoxManageError && error.kind === 'not-found') return undefined
      throw error
    })
  }

  /** The ACPI power button, then a power off if the guest has not shut down within `timeoutMs`. */
  async shutDown(info: VBoxVmInfo, timeoutMs: number): Promise<void> {
    const { name } = info
    if (info.state === 'stopped') return this.context.log('info', name, `already stopped (${info.vboxState})`)
    const bound = seconds(timeoutMs)
    if (info.vboxState === 'running') {
      try {
        await this.context.vbox.run(['controlvm', name, 'acpipowerbutton'])
        this.context.log('info', name, `ACPI power button pressed; the guest has ${bound} to shut down`)
      } catch (error) {
        // It may have begun to stop on its own in the meantime; the wait below sees that.
        if (!(error instanceof VBoxManageError && ['invalid-state', 'not-running'].includes(error.kind)))
          throw error
      }
    }
    // A paused or stuck guest cannot react to the button: only a power off stops it.
    const graceful = info.state === 'running' || info.state === 'stopping'
    if (graceful && (await this.waitUntilStopped(name, timeoutMs)))
      return this.context.log('info', name, 'shut down')
    this.context.log(
      'warn',
      name,
      graceful
        ? `still running ${bound} after the ACPI power button: powering it off`
        : `${info.vboxState}: powering it off`,
    )
    await this.powerOff(name)
  }

  async powerOff(name: string): Promise<void> {
    try {
      await this.context.vbox.run(['controlvm', name, 'poweroff'])
      this.context.log('warn', name, 'powered off')
    } catch (error) {
      if (!(error instanceof VBoxManageError && error.kind === 'not-running')) throw error
    }
  }

  /** Whether the VM reached a stopped state within `timeoutMs`. */
  async waitUntilStopped(name: string, timeoutMs: number): Promise<boolean> {
    const deadline = this.context.now() + timeoutMs
    for (;;) {
      if ((await this.info(name)).state === 'stopped') return true
      const left = deadline - this.context.now()
      if (left <= 0) return false
      await this.context.sleep(Math.min(this.context.pollIntervalMs, left), this.context.signal)
    }
  }

  /** Powers the VM off if it runs, then unregisters it and deletes its files and disks. */
  async delete(info: VBoxVmInfo, timeoutMs: number): Promise<void> {
    const { name } = info
    if (info.state !== 'stopped') {
      await this.powerOff(name)
      await this.waitUntilStopped(name, timeoutMs)
    }
    const deadline = this.context.now() + Math.max(UNLOCK_WAIT_MS, timeoutMs)
    for (;;) {
      try {
        await this.context.vbox.run(['unregistervm', name, '--delete'])
        return this.context.log('info', name, 'unregistered and deleted with its disks')
      } catch (error) {
        const locked = error instanceof VBoxManageError && error.kind === 'locked'
        if (!locked || this.context.now() >= deadline) throw error
        await this.context.sleep(this.context.pollIntervalMs, this.context.signal)
      }
    }
  }
}
