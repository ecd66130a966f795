// Which /24 a lab gets: the one asked for, or one derived from its name, moved on past those that
// another lab, an address or a route of the machine already uses.
import { DEFAULT_NAME } from './layout.mjs'
import { LabError } from './log.mjs'
import { registeredLabs } from './registry.mjs'
import { run } from './run.mjs'

/** The /24 of the lab: 10.231.0.0/24 for the default name, else one derived from the name that is free. */
export function allocateSubnet(name, requested) {
  const taken = new Set(registeredLabs().map((lab) => lab.subnet))
  const routes = run('ip', ['-4', '-o', 'route', 'show', 'table', 'all'], { allowFail: true }).stdout
  const addresses = run('ip', ['-4', '-o', 'addr', 'show'], { allowFail: true }).stdout
  // A route as narrow as /16 or narrower that meets the /24 is a conflict; broader ones (a VPN's 10/8) are not.
  const inUse = (prefix) =>
    taken.has(`${prefix}.0/24`) ||
    routes.split('\n').some((line) => overlaps(line.split(' ')[0], prefix)) ||
    addresses.includes(` ${prefix}.`)
  if (requested) {
    const match = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.0\/24$/.exec(requested)
    if (!match || match[1].split('.').some((octet) => Number(octet) > 255))
      throw new LabError(`--subnet ${requested}: give an IPv4 /24 such as 10.231.7.0/24`)
    if (inUse(match[1])) throw new LabError(`--subnet ${requested} is already in use on this machine`)
    return `${match[1]}.0/24`
  }
  // FNV-1a of the name: the same name gets the same subnet on every run.
  let hash = 2166136261
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0
  const first = name === DEFAULT_NAME ? 0 : 1 + (hash % 250)
  for (let step = 0; step < 251; step++) {
    const octet = (first + step) % 251
    if (!inUse(`10.231.${octet}`)) return `10.231.${octet}.0/24`
  }
  throw new LabError('no free /24 in 10.231.0.0/16; pass --subnet')
}

/** Whether a route's destination (`a.b.c.d/n`) of /16 or narrower meets the /24 `prefix.0`. */
function overlaps(destination, prefix) {
  if (!destination || destination === 'default') return false
  const [address, bits = '32'] = destination.split('/')
  const parts = address.split('.').map(Number)
  if (parts.length !== 4 || parts.some(Number.isNaN)) return false
  const value = (octets) => octets.reduce((acc, octet) => acc * 256 + octet, 0)
  const ours = value([...prefix.split('.').map(Number), 0])
  const length = Number(bits)
  if (length < 16) return false
  const common = Math.min(length, 24)
  const mask = common === 0 ? 0 : 2 ** 32 - 2 ** (32 - common)
  return (value(parts) & mask) >>> 0 === (ours & mask) >>> 0
}
