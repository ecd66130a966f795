import { describe, expect, it } from 'vitest'
import { hubJoinUrls } from './join-urls'

const interfaces = [
  { address: '127.0.0.1', internal: true },
  { address: '::1', internal: true },
  { address: '192.168.56.1', internal: false },
  { address: 'fd00::5', internal: false },
  { address: 'fe80::1', internal: false },
  { address: '10.0.0.5', internal: false },
]

describe('hubJoinUrls', () => {
  it.each([
    ['127.0.0.1', []],
    ['localhost', []],
    ['::1', []],
    ['192.168.56.1', ['wss://192.168.56.1:17070']],
    ['fd00::5', ['wss://[fd00::5]:17070']],
    ['0.0.0.0', ['wss://192.168.56.1:17070', 'wss://10.0.0.5:17070']],
    ['::', ['wss://192.168.56.1:17070', 'wss://10.0.0.5:17070', 'wss://[fd00::5]:17070']],
  ])('bound to %s → %j', (bound, urls) => {
    expect(hubJoinUrls('wss', bound, 17070, interfaces)).toEqual(urls)
  })

  it('offers nothing for a wildcard bind on a machine without a network', () => {
    expect(hubJoinUrls('wss', '0.0.0.0', 17070, interfaces.slice(0, 2))).toEqual([])
  })
})
