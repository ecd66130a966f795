import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { queryList, queryNumber } from './query-params'

describe('query parameters', () => {
  const Query = z.object({
    limit: queryNumber(z.number().int().positive('must be at least 1')).optional(),
    kinds: queryList(z.enum(['a', 'b'])).optional(),
  })

  it('takes typed values from IPC and text from a URL alike', () => {
    expect(Query.parse({ limit: 5, kinds: ['a'] })).toEqual({ limit: 5, kinds: ['a'] })
    expect(Query.parse({ limit: '5', kinds: 'a,b' })).toEqual({ limit: 5, kinds: ['a', 'b'] })
    expect(Query.parse({ kinds: '' })).toEqual({ kinds: [] })
  })

  it('names the bad field and item', () => {
    const issues = (input: unknown) =>
      Query.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? []
    expect(issues({ limit: '0' })).toEqual(['limit: must be at least 1'])
    expect(issues({ limit: 'ten' })[0]).toMatch(/^limit: .*expected number/)
    expect(issues({ limit: '' })[0]).toMatch(/^limit: /)
    expect(issues({ kinds: 'a,c' })[0]).toMatch(/^kinds\.1: Invalid option/)
  })
})
