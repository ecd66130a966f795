// The Topology page in a real browser while a busy cluster reports: a headless VIM with no lab, a fleet
// of simulated agents (50 × 10 containers at 1 Hz, values changing every report) joined to its hub, and
// Debian's chromium on the served UI. frame-probe.js measures a window in the opening view, then one
// with every node in view ("Fit View"). Everything started here is stopped by its handle, also on failure.
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { CERT_FILE } from '../../src/main/hub/certificate'
import type { HubInfo } from '../../src/shared/api/contract'
import { launchChromium, watchPageProblems } from '../../test/support/browser'
import type { FleetStats } from '../hub/fleet-simulator'
import { repositoryRoot } from '../proxy/bench-child'
import { type FleetChild, startFleetChild } from './fleet-child'
import { type FrameWindow, type ProbeRecord, summarizeWindow } from './frame-stats'
import { type HeadlessVim, startHeadlessVim } from './headless-vim'

export interface RendererFpsPlan {
  agents: number
  containersPerAgent: number
  /** Before each window: the view settles and its nodes are mounted. */
  warmupSeconds: number
  seconds: number
  viewport: { width: number; height: number }
}

export function rendererFpsPlan(quick: boolean): RendererFpsPlan {
  return {
    agents: 50,
    containersPerAgent: 10,
    warmupSeconds: quick ? 2 : 3,
    seconds: quick ? 8 : 20,
    viewport: { width: 1280, height: 800 },
  }
}

export interface RendererFpsResult {
  chromium: string
  windows: FrameWindow[]
  /** The fleet at the end: every agent should still be connected. */
  fleet: FleetStats
  /** Console errors, uncaught errors or CSP violations in the page, if any. */
  pageProblems: string[]
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function measureRendererFps(
  plan: RendererFpsPlan,
  log: (line: string) => void = () => {},
): Promise<RendererFpsResult> {
  let vim: HeadlessVim | undefined
  let fleet: FleetChild | undefined
  let browser: Browser | undefined
  try {
    vim = await startHeadlessVim()
    const hub = await vim.get<HubInfo>('/hub')
    log(`bench: renderer: ${plan.agents} simulated agents join ${hub.url}…`)
    fleet = await startFleetChild({
      url: hub.url,
      joinToken: hub.joinToken,
      caFile: join(vim.dataDir, CERT_FILE),
      agents: plan.agents,
      containersPerAgent: plan.containersPerAgent,
    })
    if (fleet.joined.connected !== plan.agents)
      throw new Error(
        `only ${fleet.joined.connected} of ${plan.agents} agents joined: ${fleet.joined.failures.join('; ')}`,
      )

    browser = await launchChromium()
    const page = await browser.newPage({ viewport: plan.viewport })
    const pageProblems = await watchPageProblems(page)
    await page.addInitScript({ path: join(repositoryRoot(), 'bench', 'renderer', 'frame-probe.js') })
    await page.goto(vim.uiUrl)
    // The VIM node sits in the opening view's corner and counts the VMs the UI received. Not all of
    // them read "ready": the autoscaler sets most targets to 0, which the simulated agents ack and
    // ignore, so those VMs show as draining with their 10 containers still reporting.
    const all = new RegExp(`/${plan.agents} VMs ready`)
    await page.locator('.vim-node').filter({ hasText: all }).waitFor({ timeout: 60_000 })

    const measure = async (view: string): Promise<FrameWindow> => {
      await sleep(plan.warmupSeconds * 1000)
      log(`bench: renderer: ${view}, ${plan.seconds} s…`)
      await page.evaluate("window.__acsFrameProbe.start('.react-flow')")
      await sleep(plan.seconds * 1000)
      const record = (await page.evaluate('window.__acsFrameProbe.stop()')) as ProbeRecord
      // React Flow writes its viewport as translate(…) scale(zoom) on this element.
      const transform = (await page.locator('.react-flow__viewport').getAttribute('style')) ?? ''
      const zoom = Number(/scale\(([\d.]+)\)/.exec(transform)?.[1] ?? Number.NaN)
      return summarizeWindow(view, { nodes: await page.locator('.react-flow__node').count(), zoom }, record)
    }

    const windows = [await measure('Opening view')]
    await page.getByRole('button', { name: 'Fit View' }).click()
    const everyNode = 1 + plan.agents * (1 + plan.containersPerAgent)
    const nodes = page.locator('.react-flow__node')
    const deadline = Date.now() + 30_000
    while ((await nodes.count()) < everyNode) {
      if (Date.now() > deadline) throw new Error(`"Fit View" mounted only ${await nodes.count()} nodes`)
      await sleep(250)
    }
    windows.push(await measure('Fit View (every node in view)'))

    return { chromium: browser.version(), windows, fleet: await fleet.stats(), pageProblems }
  } finally {
    // Each one even if another fails to stop.
    await browser?.close().catch(() => {})
    await fleet?.stop().catch(() => {})
    await vim?.stop().catch(() => {})
  }
}
