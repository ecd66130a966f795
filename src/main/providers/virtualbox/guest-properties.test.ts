// Guest properties in the 6.1 and the 7.x format, from recorded outputs, and the interfaces they describe.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { guestInterfaces, parseGuestProperties, parseGuestPropertyGet } from './guest-properties'

const fixture = (path: string) => readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8')

describe('parseGuestProperties', () => {
  it('reads the 6.1 format: nanosecond timestamps, empty values, comma-separated flags', () => {
    const properties = parseGuestProperties(fixture('6.1/guestproperty-enumerate.txt'))
    expect(properties).toHaveLength(7)
    expect(properties[1]).toEqual({
      name: '/VirtualBox/GuestInfo/Net/0/V4/IP',
      value: '10.0.2.15',
      timestamp: 1523628880075,
      flags: [],
    })
    expect(properties.find((p) => p.name.endsWith('ServicePack'))?.value).toBe('')
    expect(properties.find((p) => p.name.endsWith('VBoxVerExt'))?.flags).toEqual(['TRANSIENT', 'RDONLYGUEST'])
  })

  it('reads the 7.x format: aligned columns, ISO timestamps, flags after the time', () => {
    const properties = parseGuestProperties(fixture('7.x/guestproperty-enumerate.txt'))
    expect(properties).toHaveLength(7)
    expect(properties[0]).toEqual({
      name: '/VirtualBox/GuestAdd/GuiOnFocus',
      value: '0',
      timestamp: Date.parse('2025-11-20T10:54:47.167Z'),
      flags: ['TRANSIENT', 'RDONLYGUEST'],
    })
    expect(properties[4]).toMatchObject({
      name: '/VirtualBox/GuestInfo/Net/0/MAC',
      value: '08002767E8B0',
      flags: [],
    })
  })

  it.each<[string, string, { name: string; value: string; flags: string[] }[]]>([
    [
      'a 7.x value holding quotes',
      "/VirtualBox/GuestInfo/OS/Version = '#1 SMP 'x' 2024' @ 2025-01-01T00:00:00.000Z",
      [{ name: '/VirtualBox/GuestInfo/OS/Version', value: "#1 SMP 'x' 2024", flags: [] }],
    ],
    [
      'a 7.x line without a timestamp (--no-timestamp)',
      "/VirtualBox/HostInfo/VBoxVer = '7.2.4' TRANSIENT, RDONLYGUEST",
      [{ name: '/VirtualBox/HostInfo/VBoxVer', value: '7.2.4', flags: ['TRANSIENT', 'RDONLYGUEST'] }],
    ],
    [
      'a 6.1 line with trailing spaces stripped',
      'Name: /VirtualBox/GuestInfo/Net/1/V4/IP, value: 192.168.99.100, timestamp: 1600540967071650804, flags:',
      [{ name: '/VirtualBox/GuestInfo/Net/1/V4/IP', value: '192.168.99.100', flags: [] }],
    ],
    ['no properties', 'No properties found.\n', []],
  ])('reads %s', (_, text, expected) => {
    expect(parseGuestProperties(text).map(({ name, value, flags }) => ({ name, value, flags }))).toEqual(
      expected,
    )
  })
})

describe('parseGuestPropertyGet', () => {
  it('reads a value, and no value', () => {
    expect(parseGuestPropertyGet(fixture('guestproperty-get.txt'))).toBe('192.168.56.106')
    expect(parseGuestPropertyGet(fixture('guestproperty-get-unset.txt'))).toBeUndefined()
  })
})

describe('guestInterfaces', () => {
  it('groups a recorded --patterns output by interface', () => {
    const [iface, ...others] = guestInterfaces(
      parseGuestProperties(fixture('6.1/guestproperty-enumerate-patterns.txt')),
    )
    expect(others).toEqual([])
    expect(iface).toEqual({
      index: 0,
      mac: '0800274A2EA2',
      ipv4: '10.0.3.15',
      updatedAt: 1571759720723,
      status: undefined,
    })
  })

  it('orders interfaces by the guest index and keeps each one’s MAC, address and status', () => {
    const text = [
      "/VirtualBox/GuestInfo/Net/1/MAC    = '080027d4e5f6' @ 2025-01-01T00:00:02.000Z",
      "/VirtualBox/GuestInfo/Net/1/V4/IP  = '192.168.56.20' @ 2025-01-01T00:00:03.000Z",
      "/VirtualBox/GuestInfo/Net/0/V4/IP  = '10.0.2.15' @ 2025-01-01T00:00:01.000Z",
      "/VirtualBox/GuestInfo/Net/0/Status = 'Up' @ 2025-01-01T00:00:01.000Z",
      "/VirtualBox/GuestInfo/Net/Count    = '2' @ 2025-01-01T00:00:01.000Z",
    ].join('\n')
    expect(guestInterfaces(parseGuestProperties(text))).toEqual([
      {
        index: 0,
        mac: undefined,
        ipv4: '10.0.2.15',
        updatedAt: Date.parse('2025-01-01T00:00:01Z'),
        status: 'Up',
      },
      {
        index: 1,
        mac: '080027D4E5F6',
        ipv4: '192.168.56.20',
        updatedAt: Date.parse('2025-01-01T00:00:03Z'),
        status: undefined,
      },
    ])
  })
})
