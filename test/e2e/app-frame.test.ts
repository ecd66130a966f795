// The served UI in a real browser: the app frame, the live connection, and what a wrong token shows.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, watchPageProblems } from '../support/browser'
import { type HeadlessProcess, NO_CLUSTER, startHeadless, testEnv } from '../support/headless-process'
import { chromiumAvailable, shouldRun } from '../support/services'

const run = shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)")

describe.runIf(run)('the UI in headless Chromium', () => {
  let vim: HeadlessProcess
  let browser: Browser

  beforeAll(async () => {
    vim = await startHeadless(['--ui-port', '0', ...NO_CLUSTER], testEnv({ ACS_TOKEN: 'e2e-token' }))
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await vim?.stop()
  })

  it('shows the app frame, goes live, and breaks no CSP rule', async () => {
    const page = await browser.newPage()
    const problems = await watchPageProblems(page)

    await page.goto(vim.uiUrl.href)
    const nav = page.getByRole('navigation', { name: 'Main' })
    for (const item of ['Topology', 'VMs', 'Scaling', 'Traffic', 'Events', 'Settings']) {
      await expect.poll(() => nav.getByRole('button', { name: item }).count()).toBe(1)
    }
    await page.getByTestId('connection').and(page.locator('[data-state="connected"]')).waitFor()
    expect(await page.getByTestId('connection').textContent()).toContain('Live')
    // The snapshot arrived over the stream: the empty cluster tells a newcomer what to do.
    await page.getByRole('heading', { name: 'No VMs yet' }).waitFor()
    // The token left the address bar once it was taken.
    expect(new URL(page.url()).searchParams.has('token')).toBe(false)

    await nav.getByRole('button', { name: 'Settings' }).click()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    await page.getByLabel('Dark').check()
    expect(await page.locator('html').getAttribute('data-theme')).toBe('dark')

    expect(problems).toEqual([])
    await page.close()
  })

  it('tells the user when the token in the link is wrong', async () => {
    const page = await browser.newPage()
    const url = new URL(vim.uiUrl)
    url.searchParams.set('token', 'not-the-token')
    await page.goto(url.href)
    await page.getByTestId('connection').and(page.locator('[data-state="unauthorized"]')).waitFor()
    expect(await page.getByTestId('connection').textContent()).toContain('Wrong API token')
    await page.close()
  })
})
