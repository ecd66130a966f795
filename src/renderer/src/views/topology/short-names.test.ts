import { describe, expect, it } from 'vitest'
import { shortNames } from './short-names'

describe('shortNames', () => {
  it('drops the words a VM’s containers all start with, leaving what tells them apart', () => {
    const names = ['acs-lab-1-036c', 'acs-lab-1-8f2a', 'acs-lab-1-91bd']
    expect([...shortNames(names).values()]).toEqual(['036c', '8f2a', '91bd'])
  })

  it('keeps names distinct when they share more than a prefix', () => {
    const names = ['acs-host-10-23-4-5-aa01', 'acs-host-10-23-4-5-aa02', 'acs-host-10-23-4-6-aa01']
    const short = [...shortNames(names).values()]
    expect(new Set(short).size).toBe(3)
    expect(short).toEqual(['5-aa01', '5-aa02', '6-aa01'])
  })

  it('leaves a lone name or names with nothing in common as they are', () => {
    expect(shortNames(['acs-lab-1-036c']).get('acs-lab-1-036c')).toBe('036c')
    expect([...shortNames(['web', 'db']).values()]).toEqual(['web', 'db'])
    expect(shortNames([]).size).toBe(0)
  })
})
