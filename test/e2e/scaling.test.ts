// The policy editor in a real browser against the served core: an invalid value is refused with its
// message, a valid change is applied and is then what the control API returns; no CSP rule breaks.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, watchPageProblems } from '../support/browser'
import { type HeadlessProcess, NO_CLUSTER, startHeadless, testEnv } from '../support/headless-process'
import { chromiumAvailable, shouldRun } from '../support/services'

const run = shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)")

describe.runIf(run)('the Scaling page in headless Chromium', () => {
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

  const policy = async () => {
    const response = await fetch(`${vim.baseUrl}/api/v1/policy`, {
      headers: { Authorization: `Bearer ${vim.token}` },
    })
    expect(response.status).toBe(200)
    return (await response.json()) as {
      scaling: { policy: { targetUtilization: number; maxReplicas: number }; placement: string }
    }
  }

  it('refuses an invalid target with its message and applies a valid policy', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } })
    const problems = await watchPageProblems(page)

    await page.goto(vim.uiUrl.href)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Scaling' }).click()
    const form = page.getByRole('form', { name: 'Scaling policy' })
    await form.waitFor()
    const target = form.getByLabel(/^Target CPU utilization/)
    const apply = form.getByRole('button', { name: 'Apply' })
    expect(await target.inputValue()).toBe('60')

    await target.fill('150')
    await form.getByText(/at most 100 %/).waitFor()
    expect(await target.getAttribute('aria-invalid')).toBe('true')
    expect(await apply.isDisabled()).toBe(true)

    await target.fill('75')
    await form.getByLabel(/^Max replicas/).fill('8')
    await form.getByLabel('Placement').selectOption('bin-pack')
    expect(await apply.isEnabled()).toBe(true)
    await apply.click()
    await page.getByRole('status').filter({ hasText: 'Policy applied' }).waitFor()
    await expect.poll(async () => (await apply.isDisabled()) && (await target.inputValue())).toBe('75')

    const applied = await policy()
    expect(applied.scaling.policy.targetUtilization).toBe(0.75)
    expect(applied.scaling.policy.maxReplicas).toBe(8)
    expect(applied.scaling.placement).toBe('bin-pack')

    // What is applied is what a fresh page loads.
    await page.reload()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Scaling' }).click()
    await expect.poll(() => page.getByLabel(/^Target CPU utilization/).inputValue()).toBe('75')

    expect(problems).toEqual([])
    await page.close()
  })

  it('shows the VMs and Events pages with their empty states, in light and dark', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } })
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    await page.goto(vim.uiUrl.href)
    const nav = page.getByRole('navigation', { name: 'Main' })

    await nav.getByRole('button', { name: 'VMs' }).click()
    await page.getByRole('heading', { name: 'No VMs yet' }).waitFor()
    await page.getByRole('heading', { name: 'How agents join' }).waitFor()
    await page.getByText(/--vim wss:\/\//).waitFor()
    // The lab is off in this run: adding a lab VM fails with the core's message, as a toast.
    await page.getByRole('button', { name: 'Add lab VM' }).click()
    await page.getByRole('alert').filter({ hasText: 'restart with --lab N' }).waitFor()

    await nav.getByRole('button', { name: 'Events' }).click()
    // The core logs its own start, so the log is not empty.
    await page
      .getByRole('list', { name: 'Decision log' })
      .getByText(/VIM .* started/)
      .waitFor()
    await nav.getByRole('button', { name: 'Settings' }).click()
    await page.getByLabel('Dark').check()
    await nav.getByRole('button', { name: 'Events' }).click()

    expect(problems).toEqual([])
    await page.close()
  })
})
