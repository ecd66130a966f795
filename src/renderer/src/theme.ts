// Light and dark follow the system unless the user picks one in Settings.
import type { ThemeChoice } from './store/app-store'

const THEME_KEY = 'acs.theme'

export function loadTheme(): ThemeChoice {
  const stored = window.localStorage.getItem(THEME_KEY)
  return stored === 'light' || stored === 'dark' ? stored : 'system'
}

export function applyTheme(theme: ThemeChoice): void {
  if (theme === 'system') {
    document.documentElement.removeAttribute('data-theme')
    window.localStorage.removeItem(THEME_KEY)
  } else {
    document.documentElement.setAttribute('data-theme', theme)
    window.localStorage.setItem(THEME_KEY, theme)
  }
}
