import { useApiClient, useApp } from '../app-context'
import type { ThemeChoice } from '../store/app-store'

const THEMES: { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'Follow the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

export function SettingsView() {
  const theme = useApp((state) => state.theme)
  const setTheme = useApp((state) => state.setTheme)
  const client = useApiClient()
  return (
    <section className="settings">
      <fieldset>
        <legend>Theme</legend>
        {THEMES.map(({ value, label }) => (
          <label key={value}>
            <input
              type="radio"
              name="theme"
              value={value}
              checked={theme === value}
              onChange={() => setTheme(value)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <p className="muted">
        Connected over {client.transport === 'ipc' ? 'the desktop bridge' : 'HTTP and WebSocket'}.
      </p>
    </section>
  )
}
