// Settings as a file: what "Export settings" writes and what "Import settings" accepts. The file is the
// saved settings as JSON; an import is checked with the same schema the VIM checks before anything is
// sent, so a wrong file is refused by name and nothing changes. Pure.
import { z } from 'zod'
import { type VimSettings, VimSettingsPatch } from '../../../../shared/domain/settings'

export const SETTINGS_FILE_NAME = 'auto-cloud-scaler-settings.json'

export function settingsFileText(settings: VimSettings): string {
  return `${JSON.stringify(settings, null, 2)}\n`
}

export type ImportedSettings = { ok: true; patch: VimSettingsPatch } | { ok: false; message: string }

/** Reads an exported settings file; the message says what is wrong and where. */
export function readSettingsFile(text: string): ImportedSettings {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { ok: false, message: `The file is not JSON: ${(error as Error).message}` }
  }
  const parsed = VimSettingsPatch.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    const where = first?.path.length ? ` at ${first.path.join('.')}` : ''
    return {
      ok: false,
      message: `Not a settings file${where}: ${first?.message ?? z.prettifyError(parsed.error)}`,
    }
  }
  if (Object.keys(parsed.data).length === 0) return { ok: false, message: 'The file holds no settings.' }
  return { ok: true, patch: parsed.data }
}
