// `list vms` / `list runningvms`, recorded and with the names VirtualBox allows.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseVmList } from './vm-list'

const fixture = (path: string) => readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8')

describe('parseVmList', () => {
  it('reads the recorded outputs', () => {
    expect(parseVmList(fixture('list-vms.txt'))).toEqual([
      { name: 'AlmaLinux9', uuid: '6ebc2119-de35-467b-a695-047eb2e424f5', inaccessible: false },
    ])
    expect(parseVmList(fixture('list-runningvms.txt'))).toEqual([
      {
        name: 'kafka-001_1522781054873_81982',
        uuid: 'eaf3fcb5-e9c6-4402-bf41-d343841a7ee3',
        inaccessible: false,
      },
    ])
  })

  it('reads names with spaces and quotes, an inaccessible VM, CRLF and an empty list', () => {
    const text =
      '"My Lab VM" {aaaaaaaa-0000-0000-0000-000000000001}\r\n"say "hi"" {aaaaaaaa-0000-0000-0000-000000000002}\r\n"<inaccessible>" {aaaaaaaa-0000-0000-0000-000000000003}\r\n'
    expect(parseVmList(text).map((vm) => [vm.name, vm.inaccessible])).toEqual([
      ['My Lab VM', false],
      ['say "hi"', false],
      ['<inaccessible>', true],
    ])
    expect(parseVmList('')).toEqual([])
  })
})
