// Waits, with a bound, until a started VM's Guest Additions report an address the VIM can reach, and
// otherwise says why not: no Additions in the template, no usable adapter, or a VM that stopped.
import { setTimeout as delay } from 'node:timers/promises'
import { type AddressOptions, chooseAddress } from './guest-address'
import { guestInterfaces, parseGuestProperties, parseGuestPropertyGet } from './guest-properties'
import { seconds, type VBoxManage } from './vboxmanage'
import { parseVmInfo, type VBoxVmInfo } from './vm-info'

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

export const sleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : {})

export interface AddressWaitOptions extends AddressOptions {
  timeoutMs: number
  pollIntervalMs: number
  /** The template the VM was cloned from, named in the error when it never reports an address. */
  template?: string | undefined
  sleep?: Sleep
  now?: () => number
  signal?: AbortSignal | undefined
}

export interface VmAddress {
  address: string
  /** VirtualBox's adapter number the address is on, when the guest reported MAC addresses. */
  adapter: number | undefined
}

export class AddressTimeoutError extends Error {
  override readonly name = 'AddressTimeoutError'

  constructor(
    message: string,
    readonly vm: string,
  ) {
    super(message)
  }
}

/** The guest properties that describe the guest's network interfaces. */
export const GUEST_NET_PATTERN = '/VirtualBox/GuestInfo/Net/*'

/** The VM's address once its guest reports one; rejects with AddressTimeoutError after `timeoutMs`. */
export async function waitForAddress(
  vbox: VBoxManage,
  name: string,
  options: AddressWaitOptions,
): Promise<VmAddress> {
  const now = options.now ?? Date.now
  const pause = options.sleep ?? sleep
  const deadline = now() + options.timeoutMs
  let reason: string | undefined
  for (;;) {
    options.signal?.throwIfAborted()
    const info = parseVmInfo((await vbox.run(['showvminfo', name, '--machinereadable'])).stdout)
    if (info.state === 'stopped')
      throw new AddressTimeoutError(
        `${name} stopped (VirtualBox state: ${info.vboxState}) while the VIM waited for its IP address: ` +
          "see the VM's log in VirtualBox",
        name,
      )
    if (info.state === 'running') {
      const listed = await vbox.run(['guestproperty', 'enumerate', name, '--patterns', GUEST_NET_PATTERN])
      const choice = chooseAddress(guestInterfaces(parseGuestProperties(listed.stdout)), info.nics, options)
      if (choice.address !== undefined) return { address: choice.address, adapter: choice.adapter }
      reason = choice.reason
    }
    const left = deadline - now()
    if (left <= 0) break
    await pause(Math.min(options.pollIntervalMs, left), options.signal)
  }
  throw await noAddress(vbox, name, options, reason)
}

/** What the guest reports right now, without waiting; undefined when it reports nothing usable. */
export async function reportedAddress(
  vbox: VBoxManage,
  info: VBoxVmInfo,
  adapter: number | undefined,
): Promise<string | undefined> {
  try {
    const listed = await vbox.run(['guestproperty', 'enumerate', info.name, '--patterns', GUEST_NET_PATTERN])
    const interfaces = guestInterfaces(parseGuestProperties(listed.stdout))
    return chooseAddress(interfaces, info.nics, { adapter }).address
  } catch {
    return undefined
  }
}

async function noAddress(
  vbox: VBoxManage,
  name: string,
  options: AddressWaitOptions,
  reason: string | undefined,
): Promise<AddressTimeoutError> {
  const within = `within ${seconds(options.timeoutMs)}`
  let additions: string | undefined
  try {
    additions = parseGuestPropertyGet(
      (await vbox.run(['guestproperty', 'get', name, '/VirtualBox/GuestAdd/Version'])).stdout,
    )
  } catch {
    additions = undefined
  }
  if (additions === undefined) {
    const where = options.template !== undefined ? `the template '${options.template}'` : 'it'
    return new AddressTimeoutError(
      `${name} started but reported no IP address ${within}: are the VirtualBox Guest Additions installed in ${where}?`,
      name,
    )
  }
  return new AddressTimeoutError(
    `${name} started but reported no usable IP address ${within} (its Guest Additions ${additions} are running): ` +
      (reason ?? 'the guest reports no IPv4 address yet'),
    name,
  )
}
