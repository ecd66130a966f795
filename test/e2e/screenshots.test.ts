// The README's screenshots, taken by the e2e run: a 2-VM lab with a little bounded traffic, photographed
// page by page (topology, charts, VMs, scaling, traffic, events, settings) in light and dark at 1280×800, after
// checking that the theme really took. Into ACS_SCREENSHOTS_DIR (`npm run screenshots` points it at
// docs/screenshots), else test-output/screenshots.
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, watchPageProblems } from '../support/browser'
import { dockerAvailable } from '../support/docker'
import { type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'
import { SCREENSHOTS_DIR } from '../support/screenshots'
import { chromiumAvailable, shouldRun } from '../support/services'

const run = shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)")

const VIEWPORT = { width: 1280, height: 800 }
const THEMES = ['light', 'dark'] as const
const PAGES = ['topology', 'charts', 'vms', 'scaling', 'traffic', 'events', 'settings'] as const

/** The width and height in a PNG's IHDR chunk; throws if the bytes are not a PNG. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  if (!bytes.subarray(0, 8).equals(signature) || bytes.toString('latin1', 12, 16) !== 'IHDR')
    throw new Error('not a PNG')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

/** Relative luminance (0 black … 1 white) of a computed `rgb(…)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number)
  return (0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0)) / 255
}

describe.runIf(run)('screenshots of every page, light and dark', () => {
  let vim: HeadlessProcess
  let browser: Browser

  beforeAll(async () => {
    vim = await startHeadless(
      [
        ...['--lab', '2', '--lab-prefix', 'lab', '--runtime', dockerAvailable ? 'docker' : 'process'],
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

  /** As a user does: Settings → Theme. The choice sticks (localStorage) and sets data-theme. */
  async function chooseTheme(page: Page, theme: (typeof THEMES)[number]) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click()
    await page.getByLabel(theme === 'dark' ? 'Dark' : 'Light').check()
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe(theme)
    const background = (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string
    if (theme === 'dark') expect(luminance(background), background).toBeLessThan(0.2)
    else expect(luminance(background), background).toBeGreaterThan(0.8)
  }

  /** Opens `name` from the sidebar and waits for what makes it worth a picture. */
  async function show(page: Page, name: (typeof PAGES)[number]) {
    const nav = page.getByRole('navigation', { name: 'Main' })
    const charts = page.getByRole('region', { name: 'Charts' })
    switch (name) {
      case 'topology': {
        await nav.getByRole('button', { name: 'Topology' }).click()
        const graph = page.getByRole('region', { name: 'Cluster graph' })
        await graph.getByRole('group', { name: /^VM lab-2, ready$/ }).waitFor()
        // The last minute fills the charts' width; five, the default, would leave the lab's run a sliver.
        await charts.getByRole('button', { name: '1 min' }).click()
        await charts.getByRole('figure', { name: 'Request rate' }).locator('canvas').first().waitFor()
        return
      }
      case 'charts':
        // The page scrolls inside its content area, under the graph: bring the charts to the top.
        await page.evaluate("document.querySelector('.cluster-charts').scrollIntoView({ block: 'start' })")
        await charts.getByRole('figure', { name: 'Replicas per VM' }).locator('canvas').first().waitFor()
        return
      case 'vms':
        await nav.getByRole('button', { name: 'VMs' }).click()
        await page.getByRole('table', { name: 'VMs of the cluster' }).getByText('lab-2').first().waitFor()
        return
      case 'scaling':
        await nav.getByRole('button', { name: 'Scaling' }).click()
        await page.getByRole('form', { name: 'Scaling policy' }).waitFor()
        return
      case 'traffic':
        await nav.getByRole('button', { name: 'Traffic' }).click()
        await page.getByTestId('traffic-stats').waitFor()
        return
      case 'events':
        await nav.getByRole('button', { name: 'Events' }).click()
        await page.getByRole('list', { name: 'Decision log' }).waitFor()
        return
      case 'settings':
        await nav.getByRole('button', { name: 'Settings' }).click()
        await page.getByRole('button', { name: 'Export to Kubernetes YAML' }).waitFor()
        await expect.poll(() => page.locator('.cluster-info dd').first().textContent()).not.toBe('…')
        return
    }
  }

  it('photographs each page in light and dark with a running lab', { timeout: 150_000 }, async () => {
    const page = await browser.newPage({ viewport: VIEWPORT })
    const problems = await watchPageProblems(page)
    await page.goto(vim.uiUrl.href)
    const graph = page.getByRole('region', { name: 'Cluster graph' })
    for (const name of ['lab-1', 'lab-2']) {
      await graph.getByRole('group', { name: new RegExp(`^VM ${name}, ready$`) }).waitFor({ timeout: 60_000 })
    }

    // A little load, bounded, started as a user does: one session a second, each holding half a
    // container's CPU for 4 s, so the lab scales past its first two containers.
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('button', { name: 'Traffic' }).click()
    await page.getByLabel(/^Steady/).check()
    await page.getByLabel('Sessions per second').fill('1')
    await page.getByLabel('Duration (s)').fill('90')
    await page.getByLabel(/^Session length/).fill('4')
    await page.getByRole('button', { name: 'Generate traffic' }).click()
    await page.getByTestId('traffic-stats').and(page.locator('[data-state="running"]')).waitFor()
    await nav.getByRole('button', { name: 'Topology' }).click()
    // Bounded: a lab that scales later than usual is still photographed, just with fewer containers.
    const containers = graph.locator('.react-flow__node-container')
    for (let waited = 0; waited < 30_000 && (await containers.count()) <= 2; waited += 1000)
      await page.waitForTimeout(1000)
    // Enough history for the charts' last minute to read as a run, not a blip.
    await page.waitForTimeout(20_000)

    const files: string[] = []
    for (const theme of THEMES) {
      await chooseTheme(page, theme)
      for (const name of PAGES) {
        await show(page, name)
        // The live graph and charts settle on the next snapshot; the shot is of a page at rest.
        await page.waitForTimeout(600)
        const file = join(SCREENSHOTS_DIR, `${name}-${theme}.png`)
        await page.screenshot({ path: file })
        files.push(file)
      }
    }

    for (const file of files) expect(pngSize(readFileSync(file)), file).toEqual(VIEWPORT)
    expect(files).toHaveLength(PAGES.length * THEMES.length)
    expect(problems).toEqual([])
    await page.close()
  })
})
