// The README's pictures of Swarm on the VMs page, light and dark: the add-host form with "Swarm node"
// chosen (the same SSH login fields as an SSH host) beside the Swarm mode panel, for a VIM with a
// two-VM lab. Into ACS_SCREENSHOTS_DIR (docs/screenshots for the README), else test-output/screenshots.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, watchPageProblems } from '../support/browser'
import { type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'
import { SCREENSHOTS_DIR } from '../support/screenshots'
import { chromiumAvailable, shouldRun } from '../support/services'

const run = shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)")
const VIEWPORT = { width: 1280, height: 800 }

describe.runIf(run)('the VMs page offers Swarm', () => {
  let vim: HeadlessProcess
  let browser: Browser

  beforeAll(async () => {
    vim = await startHeadless(
      [
        ...['--lab', '2', '--lab-prefix', 'lab', '--runtime', 'process'],
        ...['--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'],
      ],
      testEnv(),
    )
    browser = await launchChromium()
    mkdirSync(SCREENSHOTS_DIR, { recursive: true })
  })
  afterAll(async () => {
    await browser?.close()
    await vim?.stop()
  })

  it('shows Swarm node next to the other providers and the Swarm mode panel, light and dark', {
    timeout: 90_000,
  }, async () => {
    const page = await browser.newPage({ viewport: VIEWPORT })
    const problems = await watchPageProblems(page)
    await page.goto(vim.uiUrl.href)
    const nav = page.getByRole('navigation', { name: 'Main' })
    for (const theme of ['light', 'dark'] as const) {
      await nav.getByRole('button', { name: 'Settings' }).click()
      await page.getByLabel(theme === 'dark' ? 'Dark' : 'Light').check()
      await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme)
      await nav.getByRole('button', { name: 'VMs' }).click()
      await page.getByRole('rowheader', { name: 'lab-2' }).waitFor({ timeout: 60_000 })
      const toggle = page.getByRole('button', { name: 'Add SSH host / VirtualBox VM / Swarm node' })
      if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click()
      const form = page.getByRole('form', { name: 'Add an SSH host, a VirtualBox VM or a Swarm node' })
      await form.getByLabel('Swarm node').check()
      await form.getByLabel('Address').fill('192.168.56.11')
      await form.getByLabel('User').fill('ubuntu')
      await form.getByLabel('Private key path').fill('~/.ssh/id_ed25519')
      await expect.poll(() => form.getByRole('button', { name: 'Join the Swarm' }).isVisible()).toBe(true)
      const swarm = page.getByRole('region', { name: 'Swarm mode' })
      await swarm.getByRole('button', { name: 'Switch Swarm mode on' }).waitFor()
      // The form and the panel side by side, as a user scrolls to them.
      await form.scrollIntoViewIfNeeded()
      await page.evaluate('document.activeElement?.blur()')
      const file = join(SCREENSHOTS_DIR, `vms-swarm-${theme}.png`)
      await page.screenshot({ path: file })
    }
    expect(problems).toEqual([])
    await page.close()
  })
})
