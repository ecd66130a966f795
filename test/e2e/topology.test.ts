// The Topology page in a real browser against a real core with a 2-VM lab (process runtime): the graph
// shows both VMs with a container each, a node opens its details, the charts draw, and no CSP rule breaks.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, watchPageProblems } from '../support/browser'
import { type HeadlessProcess, startHeadless } from '../support/headless-process'
import { chromiumAvailable, shouldRun } from '../support/services'

const run = shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)")

describe.runIf(run)('the Topology page with a 2-VM lab', () => {
  let vim: HeadlessProcess
  let browser: Browser

  beforeAll(async () => {
    vim = await startHeadless([
      '--lab',
      '2',
      '--lab-prefix',
      'lab',
      '--runtime',
      'process',
      '--ui-port',
      '0',
      '--proxy-port',
      '0',
      '--hub-port',
      '0',
    ])
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await vim?.stop()
  })

  it('draws both VMs with a container each, opens details, and draws the charts', async () => {
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } })
    const problems = await watchPageProblems(page)
    await page.goto(vim.uiUrl.href)

    const graph = page.getByRole('region', { name: 'Cluster graph' })
    for (const name of ['lab-1', 'lab-2']) {
      // The lab's agents need a moment to start their first container.
      const vmNode = graph.getByRole('group', { name: new RegExp(`^VM ${name}, ready$`) })
      await vmNode.waitFor({ timeout: 30_000 })
      expect(await vmNode.getByText('no isolation').count()).toBe(1)
      await graph
        .getByRole('group', { name: new RegExp(`^Container .* on ${name}, ready$`) })
        .first()
        .waitFor()
    }
    expect(await graph.locator('.react-flow__node-vm').count()).toBe(2)
    expect(await graph.locator('.react-flow__node-container').count()).toBeGreaterThanOrEqual(2)
    // VIM → VM edges; containers hang under their VM without edges.
    expect(await graph.locator('.react-flow__edge').count()).toBe(2)

    await graph.getByRole('group', { name: 'VM lab-1, ready' }).click()
    const panel = page.getByRole('complementary', { name: /lab-1/ })
    await panel.waitFor()
    await panel.getByRole('button', { name: 'Stop' }).waitFor()

    const charts = page.getByRole('region', { name: 'Charts' })
    await charts.getByRole('figure', { name: 'Request rate' }).locator('canvas').first().waitFor()
    await charts.getByRole('figure', { name: 'Replicas per VM' }).locator('canvas').first().waitFor()

    await page.keyboard.press('Escape')
    await panel.waitFor({ state: 'detached' })

    expect(problems).toEqual([])
    await page.close()
  })
})
