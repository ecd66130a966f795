// A container's logs and an agent's own log, live, in headless Chromium against a served lab of 1
// (Docker): the container's details open its output, requests sent to the front proxy appear in it as the
// workload's access lines within seconds, search narrows the lines; the VM's details open its agent's log.
// The same, without a browser, through GET /api/v1/vms/:id/logs. Photographed light and dark into
// ACS_SCREENSHOTS_DIR (docs/screenshots for the README), else test-output/screenshots.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LogsAnswer } from '../../src/shared/api/contract'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import { launchChromium, watchPageProblems } from '../support/browser'
import { shouldRunDocker } from '../support/docker'
import { clusterWhere, containersOn, type LabVim, startLabVim, vimApi } from '../support/lab-vim'
import { chooseTheme, SCREENSHOTS_DIR } from '../support/screenshots'
import { chromiumAvailable, shouldRun } from '../support/services'

const run =
  shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)") &&
  shouldRunDocker()

describe.runIf(run)('logs in headless Chromium, lab of 1', () => {
  let lab: LabVim
  let browser: Browser
  let snapshot: ClusterSnapshot

  beforeAll(async () => {
    lab = await startLabVim(1, {}, 'logs-e2e-token')
    snapshot = await clusterWhere(
      lab.vim,
      'a ready container',
      (s) => containersOn(s, 'lab-1', 'ready') === 1,
    )
    browser = await launchChromium()
    mkdirSync(SCREENSHOTS_DIR, { recursive: true })
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await lab?.stop()
  })

  /** A few requests through the front proxy, as a user's traffic. */
  async function sendRequests(n: number) {
    for (let i = 0; i < n; i++) await (await fetch(`${snapshot.proxyUrl}/`)).text()
  }

  it('reads a container’s output and the agent’s log through the API', async () => {
    const container = snapshot.vms[0]?.containers[0]
    await sendRequests(3)
    await expect
      .poll(
        async () =>
          (
            await vimApi<LogsAnswer>(lab.vim, `/vms/lab-1/logs?containerId=${container?.id}&tail=50`)
          ).lines.map((l) => l.text),
        { timeout: 10_000 },
      )
      .toEqual(expect.arrayContaining([expect.stringMatching(/^served \d+ requests? in 1 s: GET \/ ×/)]))
    const agent = await vimApi<LogsAnswer>(lab.vim, '/vms/lab-1/logs')
    expect(agent.lines.every((l) => l.stream === 'agent')).toBe(true)
    expect(agent.lines.map((l) => l.text).join('\n')).toMatch(/link: connected/)
    // A container that is not there: said in words.
    const missing = await fetch(`${lab.vim.baseUrl}/api/v1/vms/lab-1/logs?containerId=nope`, {
      headers: { Authorization: `Bearer ${lab.vim.token}` },
    })
    expect(missing.status).toBe(503)
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(
      /lab-1: .*no container nope/,
    )
  })

  it('follows a container’s log live in its details, narrows it by search, and shows the agent’s log', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const problems = await watchPageProblems(page)
    await page.goto(lab.vim.uiUrl.href)
    const graph = page.getByRole('region', { name: 'Cluster graph' })
    await graph.getByRole('group', { name: /^Container .* on lab-1, ready$/ }).click()
    await page.getByRole('button', { name: 'Show logs' }).click()
    const log = page.getByRole('log')
    await log.getByText(/listening on/).waitFor()

    // Live: lines for requests sent now appear while the panel is open.
    const before = await log.getByText(/served \d+ requests? in 1 s/).count()
    await sendRequests(5)
    await fetch(`${snapshot.proxyUrl}/session?seconds=0.1`).then((r) => r.text())
    await expect
      .poll(() => log.getByText(/served \d+ requests? in 1 s/).count(), { timeout: 10_000 })
      .toBeGreaterThan(before)
    await log.getByText(/session of 0\.1 s started/).waitFor({ timeout: 10_000 })

    await page.getByLabel('Search the log').fill('session of')
    await expect.poll(() => log.locator('.log-line').count()).toBe(1)
    await page.getByLabel('Search the log').fill('')

    for (const theme of ['light', 'dark'] as const) {
      await chooseTheme(page, theme)
      await graph.getByRole('group', { name: /^Container .* on lab-1, ready$/ }).click()
      await page.getByRole('button', { name: 'Show logs' }).click()
      await log
        .getByText(/served \d+ requests? in 1 s/)
        .first()
        .waitFor()
      await page.locator('.logs-panel').scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(SCREENSHOTS_DIR, `logs-${theme}.png`) })
    }

    // The VM's details: its agent's own log.
    await graph.getByRole('group', { name: /^VM lab-1, ready$/ }).click()
    await page.getByRole('button', { name: 'Show agent log' }).click()
    await page
      .getByRole('log')
      .getByText(/link: connected/)
      .first()
      .waitFor()
    expect(problems).toEqual([])
  }, 90_000)
})
