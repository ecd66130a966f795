import { describe, expect, it, vi } from 'vitest'
import { checkTarget, isLoopbackAddress, resolveTarget } from './target'

describe('checkTarget', () => {
  it.each([
    ['http://127.0.0.1:18080', 'loopback'],
    ['http://127.10.20.30/', 'loopback'],
    ['http://127.1:8080/', 'loopback'],
    ['https://[::1]:8443/session?seconds=5', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://localhost:18080', 'localhost'],
    ['http://LOCALHOST/', 'localhost'],
  ])('accepts %s (%s)', (url, allowedBy) => {
    expect(checkTarget(url)).toMatchObject({ ok: true, allowedBy })
  })

  it.each([
    ['http://10.1.2.3/', '10.1.2.3 is not loopback'],
    ['http://0.0.0.0:8080/', '0.0.0.0 is not loopback'],
    ['http://[::ffff:10.0.0.1]/', 'is not loopback'],
    ['http://[2001:db8::1]/', '2001:db8::1 is not loopback'],
    ['http://example.com/', 'example.com is not this machine'],
    ['http://localhost.example.com/', 'is not this machine'],
    ['ftp://127.0.0.1/', 'only http:// and https://'],
    ['127.0.0.1:8080', "'127.0.0.1:8080' is not a URL"],
    ['file:///etc/passwd', 'only http:// and https://'],
    ['not a url', "'not a url' is not a URL"],
  ])('refuses %s', (url, message) => {
    const check = checkTarget(url)
    expect(check.ok).toBe(false)
    expect(check.ok ? '' : check.message).toContain(message)
  })

  it('accepts an allowed origin whatever its path, and only that origin', () => {
    const allowed = ['http://10.1.2.3:18080']
    expect(checkTarget('http://10.1.2.3:18080/session?seconds=5', allowed)).toMatchObject({
      ok: true,
      allowedBy: 'allowed-target',
    })
    const otherPort = checkTarget('http://10.1.2.3:9999/', allowed)
    expect(otherPort).toMatchObject({ ok: false })
    expect(otherPort.ok ? '' : otherPort.message).toContain(
      "or the cluster's front proxy (http://10.1.2.3:18080)",
    )
    expect(checkTarget('http://10.1.2.3/', ['not a url'])).toMatchObject({ ok: false })
  })
})

describe('resolveTarget', () => {
  it('accepts localhost only when every address is loopback', async () => {
    const lookup = vi.fn(async () => [{ address: '127.0.0.1' }, { address: '::1' }])
    await expect(resolveTarget('http://localhost:1/', [], lookup)).resolves.toMatchObject({ ok: true })
    expect(lookup).toHaveBeenCalledWith('localhost')

    const hijacked = await resolveTarget('http://localhost:1/', [], async () => [
      { address: '127.0.0.1' },
      { address: '10.0.0.7' },
    ])
    expect(hijacked).toMatchObject({ ok: false, message: expect.stringContaining('resolves to 10.0.0.7') })

    const broken = await resolveTarget('http://localhost:1/', [], async () => {
      throw new Error('getaddrinfo ENOTFOUND localhost')
    })
    expect(broken).toMatchObject({ ok: false, message: expect.stringContaining('does not resolve') })
  })

  it('never asks DNS about other names or IP literals', async () => {
    const lookup = vi.fn(async () => [{ address: '127.0.0.1' }])
    expect(await resolveTarget('http://example.com/', [], lookup)).toMatchObject({ ok: false })
    expect(await resolveTarget('http://127.0.0.1/', [], lookup)).toMatchObject({ ok: true })
    expect(lookup).not.toHaveBeenCalled()
  })
})

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['::1', true],
    ['::ffff:127.0.0.2', true],
    ['128.0.0.1', false],
    ['::', false],
    ['localhost', false],
  ])('%s → %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback)
  })
})
