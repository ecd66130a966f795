// The Topology page with many containers per VM, in headless Chromium at 1280×800: 3 VMs × 8 containers
// (simulated agents that join the hub and report as real ones do). In the default view every text in a
// node is at least 10 px on screen, every VM's name is in view, and the containers under each VM are
// told apart by their names. Photographed light and dark into ACS_SCREENSHOTS_DIR (docs/screenshots for
// the README), else test-output/screenshots.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FleetChild, startFleetChild } from '../../bench/renderer/fleet-child'
import { CERT_FILE } from '../../src/main/hub/certificate'
import type { HubInfo } from '../../src/shared/api/contract'
import { launchChromium, watchPageProblems } from '../support/browser'
import { type HeadlessProcess, NO_CLUSTER, startHeadless, testEnv } from '../support/headless-process'
import { vimApi } from '../support/lab-vim'
import { chooseTheme, SCREENSHOTS_DIR } from '../support/screenshots'
import { chromiumAvailable, shouldRun } from '../support/services'

const run = shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)")
const VMS = 3
const CONTAINERS = 8
const VIEWPORT = { width: 1280, height: 800 }

/** Every element in a graph node that holds text: its on-screen font size, text and whether it is in view. */
const TEXT_PROBE = `(() => {
  const stage = document.querySelector('.topology-stage').getBoundingClientRect()
  const zoom = Number(/scale\\(([\\d.]+)\\)/.exec(document.querySelector('.react-flow__viewport').style.transform)[1])
  const texts = []
  for (const node of document.querySelectorAll('.react-flow__node')) {
    for (const el of node.querySelectorAll('*')) {
      const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join('')
      if (!own) continue
      const box = el.getBoundingClientRect()
      texts.push({
        node: node.dataset.id,
        text: own,
        px: parseFloat(getComputedStyle(el).fontSize) * zoom,
        inView: box.left >= stage.left && box.right <= stage.right && box.top >= stage.top && box.bottom <= stage.bottom,
      })
    }
  }
  return { zoom, texts }
})()`

interface Probe {
  zoom: number
  texts: { node: string; text: string; px: number; inView: boolean }[]
}

describe.runIf(run)(`the topology of ${VMS} VMs × ${CONTAINERS} containers in Chromium`, () => {
  let vim: HeadlessProcess
  let fleet: FleetChild
  let browser: Browser

  beforeAll(async () => {
    vim = await startHeadless([...NO_CLUSTER, '--ui-port', '0'], testEnv())
    const hub = await vimApi<HubInfo>(vim, '/hub')
    fleet = await startFleetChild({
      url: hub.url,
      joinToken: hub.joinToken,
      caFile: join(vim.dataDir, CERT_FILE),
      agents: VMS,
      containersPerAgent: CONTAINERS,
    })
    expect(fleet.joined.connected, fleet.joined.failures.join('; ')).toBe(VMS)
    browser = await launchChromium()
    mkdirSync(SCREENSHOTS_DIR, { recursive: true })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await fleet?.stop()
    await vim?.stop()
  })

  it('reads at 10 px or more, shows every VM name, and tells the containers apart', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT })
    const problems = await watchPageProblems(page)
    await page.goto(vim.uiUrl.href)
    const cells = page.locator('.react-flow__node-cell')
    await expect.poll(() => cells.count(), { timeout: 30_000 }).toBe(VMS * CONTAINERS)

    const probe = (await page.evaluate(TEXT_PROBE)) as Probe
    const small = probe.texts.filter((t) => t.px < 10)
    expect(small, `zoom ${probe.zoom}`).toEqual([])

    const vmNames = probe.texts.filter((t) => t.node.startsWith('vm:') && t.node === `vm:${t.text}`)
    expect(vmNames).toHaveLength(VMS)
    expect(vmNames.filter((t) => !t.inView)).toEqual([])

    // Under each VM, its containers' cells read differently.
    const cellNames = (await page.evaluate(
      "[...document.querySelectorAll('.react-flow__node-cell')].map((n) => [n.dataset.id, n.querySelector('.cell-name').textContent])",
    )) as [string, string][]
    const byVm = new Map<string, string[]>()
    for (const [id, name] of cellNames) {
      const vm = id.slice(3, id.indexOf('/'))
      byVm.set(vm, [...(byVm.get(vm) ?? []), name])
    }
    expect(byVm.size).toBe(VMS)
    for (const [vm, names] of byVm) expect(new Set(names).size, vm).toBe(CONTAINERS)

    // A cell opens the container's details, as a full node does.
    await cells.first().click()
    await page
      .getByRole('complementary')
      .getByText(cellNames[0]?.[1] ?? '', { exact: false })
      .first()
      .waitFor()

    for (const theme of ['light', 'dark'] as const) {
      await chooseTheme(page, theme)
      await expect.poll(() => cells.count()).toBe(VMS * CONTAINERS)
      await page.screenshot({ path: join(SCREENSHOTS_DIR, `topology-large-${theme}.png`) })
    }
    expect(problems).toEqual([])
  }, 90_000)
})
