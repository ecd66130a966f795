// What the e2e tests that photograph the UI share: where the pictures go, and the theme switch.
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { repoRoot } from './headless-process'

/** Where the e2e tests write screenshots: ACS_SCREENSHOTS_DIR (docs/screenshots for the README), else test-output/. */
export const SCREENSHOTS_DIR = resolve(
  repoRoot,
  process.env.ACS_SCREENSHOTS_DIR || join('test-output', 'screenshots'),
)

/** As a user does: Settings → Theme, checked by the page's data-theme; then back to `page`. */
export async function chooseTheme(page: Page, theme: 'light' | 'dark', back = 'Topology'): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Main' })
  await nav.getByRole('button', { name: 'Settings' }).click()
  await page.getByLabel(theme === 'dark' ? 'Dark' : 'Light').check()
  await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme)
  await nav.getByRole('button', { name: back }).click()
}
