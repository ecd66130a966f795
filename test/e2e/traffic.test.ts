// The "Generate traffic" button as a user presses it: the spike preset makes the lab scale, the topology
// shows more containers, and the Events page lists the decisions with their reasons.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, watchPageProblems } from '../support/browser'
import { dockerAvailable } from '../support/docker'
import { type HeadlessProcess, startHeadless } from '../support/headless-process'
import { chromiumAvailable, shouldRun } from '../support/services'

const run = shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)")

describe.runIf(run)('the traffic panel in headless Chromium', () => {
  let vim: HeadlessProcess
  let browser: Browser

  beforeAll(async () => {
    vim = await startHeadless([
      ...['--lab', '2', '--lab-prefix', 'lab', '--runtime', dockerAvailable ? 'docker' : 'process'],
      ...['--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'],
    ])
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await vim?.stop()
  })

  it('scales the cluster from the spike preset and explains why on the Events page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const problems = await watchPageProblems(page)
    await page.goto(vim.uiUrl.href)
    const nav = page.getByRole('navigation', { name: 'Main' })
    const graph = page.getByRole('region', { name: 'Cluster graph' })
    const containers = graph.locator('.react-flow__node-container')
    await graph.getByRole('group', { name: /^VM lab-2, ready$/ }).waitFor({ timeout: 60_000 })
    await expect.poll(() => containers.count(), { timeout: 30_000 }).toBe(2)

    await nav.getByRole('button', { name: 'Traffic' }).click()
    await page.getByLabel(/^Spike/).check()
    // Bounded: half a session per second, 6× in the middle third of 40 s.
    await page.getByLabel('Sessions per second').fill('0.5')
    await page.getByLabel('Duration (s)').fill('40')
    await page.getByRole('button', { name: 'Generate traffic' }).click()
    await page.getByTestId('traffic-stats').and(page.locator('[data-state="running"]')).waitFor()

    await nav.getByRole('button', { name: 'Topology' }).click()
    await expect.poll(() => containers.count(), { timeout: 60_000, interval: 500 }).toBeGreaterThan(2)

    await nav.getByRole('button', { name: 'Traffic' }).click()
    const stop = page.getByRole('button', { name: 'Stop traffic' })
    if (await stop.isVisible()) await stop.click()
    await page
      .getByTestId('traffic-stats')
      .and(page.locator('[data-state="finished"]'))
      .waitFor({ timeout: 30_000 })

    await nav.getByRole('button', { name: 'Events' }).click()
    const log = page.getByRole('list', { name: 'Decision log' })
    await log
      .getByText(/CPU \d+% of limit vs target 60%/)
      .first()
      .waitFor()
    await log
      .getByText(/spread/)
      .first()
      .waitFor()

    expect(problems).toEqual([])
    await page.close()
  })
})
