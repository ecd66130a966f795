// The settings schema's proxy section: trusted proxies are addresses or CIDR blocks, nothing else.
import { describe, expect, it } from 'vitest'
import { VimSettings, VimSettingsPatch } from './settings'

describe('VimSettings proxy.trustedProxies', () => {
  it('defaults to nobody trusted', () => {
    expect(VimSettings.parse({}).proxy).toEqual({ trustedProxies: [] })
  })

  it('takes IPv4 and IPv6 addresses and CIDR blocks', () => {
    const list = ['10.0.0.5', '10.0.0.0/8', '::1', 'fd00::/8']
    expect(VimSettings.parse({ proxy: { trustedProxies: list } }).proxy.trustedProxies).toEqual(list)
    expect(VimSettingsPatch.parse({ proxy: { trustedProxies: list } }).proxy?.trustedProxies).toEqual(list)
  })

  it.each(['proxy.lan', '10.0.0.0/33', '*', ''])('refuses "%s" and says what it wants', (entry) => {
    const parsed = VimSettingsPatch.safeParse({ proxy: { trustedProxies: [entry] } })
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]?.message).toMatch(/IP address or CIDR block/)
    expect(parsed.error?.issues[0]?.path).toEqual(['proxy', 'trustedProxies', 0])
  })
})
