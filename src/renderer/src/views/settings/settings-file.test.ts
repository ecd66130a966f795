import { describe, expect, it } from 'vitest'
import { VimSettings } from '../../../../shared/domain/settings'
import { readSettingsFile, settingsFileText } from './settings-file'

describe('settings as a file', () => {
  it('reads back what it wrote, whole', () => {
    const saved = VimSettings.parse({
      lab: { keepContainers: true, vms: 3, runtime: 'process' },
      balancer: 'round-robin',
    })
    const read = readSettingsFile(settingsFileText(saved))
    expect(read.ok && read.patch).toEqual(saved)
  })

  it('refuses a file that is not JSON, saying so', () => {
    expect(readSettingsFile('lab: 3')).toMatchObject({ ok: false, message: /not JSON/ })
  })

  it('refuses an unknown or out-of-range setting by name, so nothing is half applied', () => {
    expect(readSettingsFile('{"lab":{"vms":99}}')).toMatchObject({ ok: false, message: /lab\.vms/ })
    expect(readSettingsFile('{"lab":{"keepContainer":true}}')).toMatchObject({ ok: false, message: /lab/ })
    expect(readSettingsFile('[]')).toMatchObject({ ok: false })
    expect(readSettingsFile('{}')).toMatchObject({ ok: false, message: 'The file holds no settings.' })
  })
})
