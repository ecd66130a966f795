// Export the saved settings to a file, and import them from one: checked against the shared schema
// before anything is sent, so a wrong file changes nothing and says what is wrong.
import { type ChangeEvent, useRef } from 'react'
import { useApiClient } from '../../app-context'
import { useAction, useNotify } from '../../components/toasts/use-action'
import { readSettingsFile, SETTINGS_FILE_NAME, settingsFileText } from './settings-file'

export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.click()
  // The download has its own reference once started; the URL is only freed a little later.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function SettingsTransfer({ onImported }: { onImported?: () => void }) {
  const client = useApiClient()
  const run = useAction()
  const notify = useNotify()
  const picker = useRef<HTMLInputElement>(null)

  const exportSettings = async () => {
    const result = await run('Could not export the settings', () => client.call('policy:get', {}))
    if (result.ok) downloadText(settingsFileText(result.value), SETTINGS_FILE_NAME, 'application/json')
  }

  const importSettings = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0]
    event.target.value = ''
    if (!file) return
    const read = readSettingsFile(await file.text())
    const result = await run('Could not import the settings', async () => {
      if (!read.ok) throw new Error(read.message)
      return client.call('policy:set', read.patch)
    })
    if (!result.ok) return
    notify('Settings imported', `${file.name}: saved. Lab and data-plane settings apply at the next start.`)
    onImported?.()
  }

  return (
    <fieldset>
      <legend>Settings file</legend>
      <p className="muted">The scaling policy, balancer, lab and proxy settings, as JSON.</p>
      <div className="button-row">
        <button type="button" className="ui-button" onClick={() => void exportSettings()}>
          Export settings
        </button>
        <button type="button" className="ui-button" onClick={() => picker.current?.click()}>
          Import settings…
        </button>
        <input
          ref={picker}
          type="file"
          accept="application/json,.json"
          aria-label="Settings file to import"
          hidden
          onChange={(event) => void importSettings(event)}
        />
      </div>
    </fieldset>
  )
}
