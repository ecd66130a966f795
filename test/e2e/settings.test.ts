// The Settings page in headless Chromium against a served lab of 1 (Docker): switching "keep the lab's
// containers" on is saved at once and used at the next stop (the container outlives the app); the
// Kubernetes export downloads YAML whose HPA carries the policy.
import { readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { launchChromium, watchPageProblems } from '../support/browser'
import { containersOf, removeClusterImages, removeContainersOf, shouldRunDocker } from '../support/docker'
import { clusterWhere, containersOn, type LabVim, startLabVim, vimApi } from '../support/lab-vim'
import { chromiumAvailable, shouldRun } from '../support/services'

const run =
  shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)") &&
  shouldRunDocker()

describe.runIf(run)('the Settings page in headless Chromium, lab of 1', () => {
  let lab: LabVim
  let browser: Browser

  beforeAll(async () => {
    lab = await startLabVim(1, {}, 'settings-e2e-token')
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await lab?.vim.stop()
    if (lab) {
      await removeContainersOf(undefined, lab.cluster)
      await removeClusterImages(lab.cluster)
    }
  })

  it('keeps the lab’s containers at the next stop once switched on, and exports Kubernetes YAML', async () => {
    await clusterWhere(lab.vim, 'a ready container', (s) => containersOn(s, 'lab-1', 'ready') === 1)
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const problems = await watchPageProblems(page)
    await page.goto(lab.vim.uiUrl.href)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings' }).click()

    const keep = page.getByLabel('Keep the lab’s containers running when the app stops')
    await expect.poll(() => keep.isEnabled()).toBe(true)
    expect(await keep.isChecked()).toBe(false)
    await keep.check()
    await page.getByRole('status').filter({ hasText: 'Lab setting saved' }).waitFor()
    const saved = await vimApi<{
      lab: { keepContainers: boolean }
      scaling: { policy: { scaleDown: { stabilizationSeconds: number } } }
    }>(lab.vim, '/policy')
    expect(saved.lab.keepContainers).toBe(true)

    const downloading = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export to Kubernetes YAML' }).click()
    const download = await downloading
    expect(download.suggestedFilename()).toBe('auto-cloud-scaler-kubernetes.yaml')
    const yaml = readFileSync(await download.path(), 'utf8')
    const hpa = parseAllDocuments(yaml)
      .map((doc) => doc.toJS())
      .find((o) => o.kind === 'HorizontalPodAutoscaler')
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(
      saved.scaling.policy.scaleDown.stabilizationSeconds,
    )
    await page
      .getByRole('list', { name: 'What Kubernetes cannot say' })
      .getByText(/podPidsLimit/)
      .waitFor()
    expect(problems).toEqual([])

    // The next stop: the app goes, the lab's container stays for the next start to adopt.
    await lab.vim.stop({ keepData: true })
    const left = await containersOf(undefined, lab.cluster)
    expect(left.map((c) => c.State)).toEqual(['running'])
  })
})
