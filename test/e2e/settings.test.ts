// The Settings page in headless Chromium against a served lab of 1 (Docker): switching "keep the lab's
// containers" on is saved at once and used at the next stop (the container outlives the app); the lab
// saved "for the next start" is what the next start without lab options runs (and it adopts the kept
// container); a settings file with a wrong value is refused by name; the Kubernetes export downloads YAML
// whose HPA carries the policy.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { launchChromium, watchPageProblems } from '../support/browser'
import { containersOf, removeClusterImages, removeContainersOf, shouldRunDocker } from '../support/docker'
import { type HeadlessProcess, startHeadless } from '../support/headless-process'
import { clusterWhere, containersOn, type LabVim, labRuntime, startLabVim, vimApi } from '../support/lab-vim'
import { chromiumAvailable, shouldRun } from '../support/services'

const run =
  shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)") &&
  shouldRunDocker()

describe.runIf(run)('the Settings page in headless Chromium, lab of 1', () => {
  let lab: LabVim
  let browser: Browser
  let next: HeadlessProcess | undefined

  beforeAll(async () => {
    lab = await startLabVim(1, {}, 'settings-e2e-token')
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await next?.stop()
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

    // What this run took, and where from: the test started it with --lab 1.
    const inEffect = page.getByLabel('In effect now')
    await inEffect.getByText('1 VM (lab-1…)').waitFor()
    expect(await inEffect.textContent()).toContain('— command line')
    // The lab for the next start, as a user sets it: the same lab, from the settings this time.
    await page.getByLabel('Lab VMs').fill('1')
    await page.getByLabel('Container runtime').selectOption(labRuntime)
    await page.getByLabel('VM name prefix').fill('lab')
    await page.getByRole('button', { name: 'Save for the next start' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved for the next start' }).waitFor()

    // A settings file with a value out of range: refused by name, nothing saved.
    const bad = join(lab.vim.dataDir, 'bad-settings.json')
    writeFileSync(bad, JSON.stringify({ lab: { vms: 99 } }))
    await page.getByLabel('Settings file to import').setInputFiles(bad)
    await page.getByRole('alert').filter({ hasText: 'lab.vms' }).waitFor()
    expect((await vimApi<{ lab: { vms: number } }>(lab.vim, '/policy')).lab.vms).toBe(1)

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

    // The next start, without lab options: the saved lab runs, and adopts the container kept for it.
    next = await startHeadless(['--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'], {
      ...process.env,
      ACS_DATA_DIR: lab.vim.dataDir,
      ACS_TOKEN: lab.vim.token,
    })
    const effective = await vimApi<{ lab: { vms: number; runtime: string; from: { vms: string } } }>(
      next,
      '/settings/effective',
    )
    expect(effective.lab).toMatchObject({ vms: 1, runtime: labRuntime, from: { vms: 'settings' } })
    await clusterWhere(next, 'the kept container ready again', (s) => containersOn(s, 'lab-1', 'ready') === 1)
    expect((await containersOf(undefined, lab.cluster)).map((c) => c.Id)).toEqual(left.map((c) => c.Id))
  })
})
