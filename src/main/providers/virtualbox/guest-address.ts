// Which of the addresses a guest reports is the one the VIM can reach. The guest numbers its interfaces
// in its own order (Net/0 may well be VirtualBox's adapter 2), and a VM running Docker also reports
// bridges such as docker0, so interfaces are matched to the VM's adapters by MAC address.
import type { GuestInterface } from './guest-properties'
import type { VBoxNic } from './vm-info'

export interface AddressOptions {
  /** VirtualBox's adapter number (1–8) whose address to use; default: the first non-NAT adapter with one. */
  adapter?: number | undefined
  /** Ignore addresses written before this time (ms since the epoch): left over from an earlier boot. */
  since?: number | undefined
}

export type AddressChoice =
  | { address: string; adapter: number | undefined }
  | { address: undefined; reason: string }

/** VirtualBox NAT hands out 10.0.2.15 by default; no other machine can reach a VM there. */
const NAT_DEFAULT = /^10\.0\.2\.\d+$/

export function chooseAddress(
  interfaces: readonly GuestInterface[],
  nics: readonly VBoxNic[],
  options: AddressOptions = {},
): AddressChoice {
  const usable = interfaces.filter(
    (iface) =>
      iface.ipv4 !== undefined &&
      isIpv4(iface.ipv4) &&
      !/^(127|169\.254)\./.test(iface.ipv4) &&
      (options.since === undefined || iface.updatedAt === undefined || iface.updatedAt >= options.since),
  )
  const nicOf = (iface: GuestInterface) => nics.find((nic) => nic.mac !== undefined && nic.mac === iface.mac)
  const macsReported = interfaces.some((iface) => iface.mac !== undefined)

  if (options.adapter !== undefined) {
    const nic = nics.find((candidate) => candidate.slot === options.adapter)
    if (!nic) return { address: undefined, reason: `adapter ${options.adapter} is not enabled on the VM` }
    // Without MACs (very old Additions) the guest's order is the only hint left.
    const iface = macsReported
      ? usable.find((candidate) => nicOf(candidate) === nic)
      : usable.find((candidate) => candidate.index === options.adapter! - 1)
    return iface?.ipv4
      ? { address: iface.ipv4, adapter: nic.slot }
      : { address: undefined, reason: `adapter ${nic.slot} (${nic.attachment}) has no IPv4 address yet` }
  }

  const onAdapters = usable
    .map((iface) => ({ iface, nic: nicOf(iface) }))
    .filter((pair): pair is { iface: GuestInterface; nic: VBoxNic } => pair.nic !== undefined)
    .sort((a, b) => a.nic.slot - b.nic.slot)
  const reachable = onAdapters.find((pair) => pair.nic.attachment !== 'nat')
  if (reachable?.iface.ipv4) return { address: reachable.iface.ipv4, adapter: reachable.nic.slot }

  if (!macsReported) {
    const fallback = usable.find((iface) => !NAT_DEFAULT.test(iface.ipv4 ?? ''))
    if (fallback?.ipv4) return { address: fallback.ipv4, adapter: undefined }
  }

  const natOnly = onAdapters.length > 0 || usable.some((iface) => NAT_DEFAULT.test(iface.ipv4 ?? ''))
  if (natOnly)
    return {
      address: undefined,
      reason:
        'the guest has an address only on its NAT adapter, which the VIM cannot reach: give the VM a ' +
        'host-only or bridged adapter (or set adapter)',
    }
  return { address: undefined, reason: 'the guest reports no IPv4 address on any of its adapters yet' }
}

function isIpv4(value: string): boolean {
  const parts = value.split('.')
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)
}
