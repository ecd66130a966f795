import { describe, expect, it } from 'vitest'
import { valueAxisWidth } from './TimeChart'

describe('valueAxisWidth', () => {
  it('grows with the longest label, so that "1000 ms" is not cut to "000 ms"', () => {
    expect(valueAxisWidth(['0 ms', '1000 ms'])).toBeGreaterThanOrEqual(7 * 7 + 10)
    expect(valueAxisWidth(['0 ms', '1000 ms'])).toBeGreaterThan(valueAxisWidth(['0 ms', '50 ms']))
  })
  it('keeps a minimum for short labels and no labels', () => {
    expect(valueAxisWidth([])).toBe(40)
    expect(valueAxisWidth(['0', '1'])).toBe(40)
  })
})
