// The close-code table and close reasons that always fit in a close frame.
import { describe, expect, it } from 'vitest'
import {
  CloseCode,
  closeCodeInfo,
  closeCodeTable,
  closeReasonText,
  MAX_CLOSE_REASON_BYTES,
} from './close-codes'

const bytes = (text: string) => new TextEncoder().encode(text).length

describe('close codes', () => {
  it('has one documented row per code, named as in CloseCode', () => {
    for (const [name, code] of Object.entries(CloseCode)) expect(closeCodeTable[code].name).toBe(name)
    expect(Object.keys(closeCodeTable)).toHaveLength(Object.keys(CloseCode).length)
  })

  it.each([
    [4401, 'rejected'],
    [4403, 'rejected'],
    [4409, 'rejected'],
    [4426, 'rejected'],
    [4400, 'slow'],
    [4413, 'slow'],
    [4429, 'slow'],
    [1001, 'retry'],
    [4408, 'retry'],
  ])('close %i means %s', (code, action) => {
    expect(closeCodeInfo(code)?.action).toBe(action)
  })

  it('knows nothing about other codes (the agent then just retries)', () => {
    expect(closeCodeInfo(1006)).toBeUndefined()
    expect(closeCodeInfo(4999)).toBeUndefined()
  })

  it('keeps short reasons as they are and cuts long ones on a character boundary', () => {
    expect(closeReasonText('wrong token')).toBe('wrong token')
    const long = closeReasonText('é'.repeat(200))
    expect(bytes(long)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES)
    expect(long.endsWith('...')).toBe(true)
    expect(long).not.toContain('\uFFFD')
    expect(bytes(closeReasonText('💥'.repeat(100)))).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES)
  })
})
