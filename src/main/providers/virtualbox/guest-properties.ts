// `VBoxManage guestproperty enumerate|get` in both output formats, and the guest's network interfaces as
// the Guest Additions report them under /VirtualBox/GuestInfo/Net/N/.
//   6.1 and earlier: `Name: /VirtualBox/GuestInfo/Net/0/V4/IP, value: 10.0.2.15, timestamp: 1523…000, flags: `
//   7.x:             `/VirtualBox/GuestInfo/Net/0/V4/IP   = '10.0.2.15'   @ 2025-11-20T10:49:21.999Z TRANSIENT, RDONLYGUEST`

export interface GuestProperty {
  name: string
  value: string
  /** When the property was last written, in ms since the epoch (host clock). */
  timestamp: number | undefined
  flags: string[]
}

const OLD_FORMAT = /^Name: (.+?), value: (.*), timestamp: (-?\d+), flags:(.*)$/
const NEW_FORMAT = /^(\S+)\s+= '(.*)'(.*)$/

export function parseGuestProperties(text: string): GuestProperty[] {
  const properties: GuestProperty[] = []
  for (const line of text.split(/\r?\n/)) {
    const old = OLD_FORMAT.exec(line)
    if (old) {
      const [, name = '', value = '', nanoseconds = '0', flags = ''] = old
      properties.push({
        name,
        value,
        timestamp: Number(BigInt(nanoseconds) / 1_000_000n),
        flags: flagList(flags),
      })
      continue
    }
    // The value is everything up to the last quote: 7.x does not escape quotes inside it.
    const current = NEW_FORMAT.exec(line)
    if (current) {
      const [, name = '', value = '', tail = ''] = current
      const stamped = /^\s*(?:@ (\S+))?\s*(.*)$/.exec(tail)
      const stamp = stamped?.[1] ? Date.parse(stamped[1]) : Number.NaN
      properties.push({
        name,
        value,
        timestamp: Number.isNaN(stamp) ? undefined : stamp,
        flags: flagList(stamped?.[2] ?? ''),
      })
    }
  }
  return properties
}

/** `guestproperty get`: `Value: …`, or undefined for `No value set!`. */
export function parseGuestPropertyGet(text: string): string | undefined {
  const match = /^Value: (.*)$/m.exec(text.replace(/\r\n/g, '\n'))
  return match ? match[1] : undefined
}

export interface GuestInterface {
  /** N in /VirtualBox/GuestInfo/Net/N: the guest's own order, not VirtualBox's adapter number. */
  index: number
  mac: string | undefined
  ipv4: string | undefined
  /** When V4/IP was last written. */
  updatedAt: number | undefined
  status: string | undefined
}

const NET_PROPERTY = /^\/VirtualBox\/GuestInfo\/Net\/(\d+)\/(MAC|V4\/IP|Status)$/

export function guestInterfaces(properties: readonly GuestProperty[]): GuestInterface[] {
  const byIndex = new Map<number, GuestInterface>()
  for (const property of properties) {
    const match = NET_PROPERTY.exec(property.name)
    if (!match) continue
    const index = Number(match[1])
    let iface = byIndex.get(index)
    if (!iface) {
      iface = { index, mac: undefined, ipv4: undefined, updatedAt: undefined, status: undefined }
      byIndex.set(index, iface)
    }
    if (match[2] === 'MAC') iface.mac = property.value.toUpperCase() || undefined
    else if (match[2] === 'Status') iface.status = property.value || undefined
    else {
      iface.ipv4 = property.value || undefined
      iface.updatedAt = property.timestamp
    }
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index)
}

function flagList(flags: string): string[] {
  return flags
    .split(',')
    .map((flag) => flag.trim())
    .filter((flag) => flag !== '' && flag !== '<NULL>')
}
