import { describe, expect, it } from 'vitest'
import { unpackedPath } from './packaged-path'

describe('unpackedPath', () => {
  it('moves a file inside app.asar to app.asar.unpacked, on POSIX and Windows paths', () => {
    expect(unpackedPath('/opt/Auto Cloud Scaler/resources/app.asar/dist/vmm-agent.mjs')).toBe(
      '/opt/Auto Cloud Scaler/resources/app.asar.unpacked/dist/vmm-agent.mjs',
    )
    expect(
      unpackedPath('C:\\Program Files\\Auto Cloud Scaler\\resources\\app.asar\\dist\\vmm-agent.mjs'),
    ).toBe('C:\\Program Files\\Auto Cloud Scaler\\resources\\app.asar.unpacked\\dist\\vmm-agent.mjs')
  })

  it('leaves paths of an unpackaged checkout, and an already unpacked path, as they are', () => {
    expect(unpackedPath('/work/app/dist/vmm-agent.mjs')).toBe('/work/app/dist/vmm-agent.mjs')
    expect(unpackedPath('/opt/acs/resources/app.asar.unpacked/dist/vmm-agent.mjs')).toBe(
      '/opt/acs/resources/app.asar.unpacked/dist/vmm-agent.mjs',
    )
  })
})
