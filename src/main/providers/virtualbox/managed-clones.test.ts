// Recognising the provider's own clones, and naming the next one.
import { describe, expect, it } from 'vitest'
import { cloneDescription, cloneTemplate, isManagedClone, nextCloneName } from './managed-clones'

describe('managed clones', () => {
  const description = cloneDescription('ubuntu base', 'clean')

  it('needs both the prefix and the mark in the description', () => {
    expect(isManagedClone('acs-1', description, 'acs-')).toBe(true)
    expect(isManagedClone('acs-1', 'my own VM', 'acs-')).toBe(false)
    expect(isManagedClone('acs-1', undefined, 'acs-')).toBe(false)
    expect(isManagedClone('web-1', description, 'acs-')).toBe(false)
  })

  it('reads the template back from the description', () => {
    expect(cloneTemplate(description)).toBe('ubuntu base')
    expect(cloneTemplate('something else')).toBeUndefined()
  })

  it.each<[string[], string[], string]>([
    [[], [], 'acs-1'],
    [['acs-1', 'acs-2', 'other'], [], 'acs-3'],
    [['acs-2'], [], 'acs-1'],
    [['acs-1'], ['acs-2'], 'acs-3'],
  ])('with %j registered and %j taken the next name is %s', (registered, taken, name) => {
    expect(nextCloneName('acs-', registered, taken)).toBe(name)
  })
})
