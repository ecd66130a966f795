// The machine-readable parser against a recorded 6.1 output and a table of the format's corner cases.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseMachineReadable, parseMachineReadableEntries } from './machine-readable'

const fixture = (path: string) => readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8')

describe('parseMachineReadable', () => {
  it('reads the recorded 6.1 output: quoted keys, keys with spaces, a description over two lines', () => {
    const values = parseMachineReadable(fixture('6.1/showvminfo-poweroff.txt'))
    expect(values.get('name')).toBe('manjaro-gnome-x64-full-clean')
    expect(values.get('memory')).toBe('4096')
    expect(values.get('cpus')).toBe('4')
    expect(values.get('VMState')).toBe('poweroff')
    expect(values.get('SATA-ImageUUID-0-0')).toBe('37a0bb6b-4292-464e-b766-1e8b7101ec94')
    expect(values.get('BIOS NVRAM File')).toMatch(/manjaro-gnome-x64-full-clean\.nvram$/)
    expect(values.get('description')).toBe('name1=value1\nname2=value2')
    expect(values.get('GuestMemoryBalloon')).toBe('0')
    // 6.1 prints a human-readable "Encryption:     disabled" line and " rec_screen0": neither is a key.
    expect([...values.keys()].filter((key) => /Encryption|rec_screen0$/.test(key))).toEqual([])
  })

  it.each<[string, string, [string, string][]]>([
    ['a bare number', 'memory=1024', [['memory', '1024']]],
    ['an empty string', 'teleporteraddress=""', [['teleporteraddress', '']]],
    [
      'escaped backslashes (a Windows path)',
      'CfgFile="F:\\\\VirtualBox VMs\\\\gitlab\\\\gitlab.vbox"',
      [['CfgFile', 'F:\\VirtualBox VMs\\gitlab\\gitlab.vbox']],
    ],
    ['an escaped quote', 'description="the \\"base\\" box"', [['description', 'the "base" box']]],
    [
      'a value ending in an escaped backslash',
      'SharedFolderPathMachineMapping1="C:\\\\"',
      [['SharedFolderPathMachineMapping1', 'C:\\']],
    ],
    ['a quoted key', '"SATA-0-0"="/vms/a.vdi"', [['SATA-0-0', '/vms/a.vdi']]],
    ['a quoted key with spaces and parentheses', '"NIC 1 Rule(0)"="ssh"', [['NIC 1 Rule(0)', 'ssh']]],
    ['a quoted key with an escaped quote', '"a\\"b"="c"', [['a"b', 'c']]],
    [
      'a NAT rule',
      'Forwarding(0)="ssh,tcp,127.0.0.1,2222,,22"',
      [['Forwarding(0)', 'ssh,tcp,127.0.0.1,2222,,22']],
    ],
    ['text after the closing quote', 'VideoMode="1024,768,32"@0,0 1', [['VideoMode', '1024,768,32']]],
    [
      'an unquoted value with spaces in the key',
      'GuestAdditionsFacility_VirtualBox Base Driver=50,1571759712632',
      [['GuestAdditionsFacility_VirtualBox Base Driver', '50,1571759712632']],
    ],
    [
      'an unquoted placeholder',
      'vrdeproperty[TCP/Address]=<not set>',
      [['vrdeproperty[TCP/Address]', '<not set>']],
    ],
    [
      'CRLF line ends',
      'name="a"\r\ncpus=2\r\n',
      [
        ['name', 'a'],
        ['cpus', '2'],
      ],
    ],
    ['a quote left open at the end', 'description="cut sh', [['description', 'cut sh']]],
    ['lines without a key', 'Encryption:     disabled\n rec_screen0\n\nname="x"', [['name', 'x']]],
  ])('reads %s', (_, text, entries) => {
    expect(parseMachineReadableEntries(text)).toEqual(entries)
  })

  it('keeps the last of a repeated key', () => {
    expect(parseMachineReadable('cpus=1\ncpus=2').get('cpus')).toBe('2')
  })
})
