// "Deploy agent" in a real browser against a real lab host (its own sshd and Docker Engine, no internet):
// add the host on the VMs page, deploy with one click, watch the steps and the live log, see the agent
// connect, then uninstall it from the same panel.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClusterSnapshot } from '../../src/shared/domain/cluster'
import { waitFor } from '../support/agent-process'
import { launchChromium, watchPageProblems } from '../support/browser'
import { type HeadlessProcess, startHeadless, testEnv } from '../support/headless-process'
import { type Lab, labAvailable, startLab } from '../support/lab-hosts'
import { chromiumAvailable, shouldRun } from '../support/services'

const lab = labAvailable()
const run =
  shouldRun('browser', chromiumAvailable(), "install Debian's chromium (apt-get install chromium)") &&
  shouldRun('ssh', lab.ok, lab.ok ? '' : lab.reason)

describe.runIf(run)('Deploy agent on the VMs page', () => {
  let hosts: Lab
  let vim: HeadlessProcess
  let browser: Browser

  beforeAll(async () => {
    hosts = await startLab({ hosts: 1 })
    vim = await startHeadless(
      ['--lab', '0', '--host', hosts.gateway, '--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'],
      testEnv({ ACS_TOKEN: 'deploy-ui-token' }),
    )
    browser = await launchChromium()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await vim?.stop()
    await hosts?.stop()
  }, 120_000)

  it('adds a host, deploys with one click showing steps and log, and uninstalls', async () => {
    const host = hosts.hosts[0]
    if (!host) throw new Error('the lab has no host')
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const problems = await watchPageProblems(page)
    await page.goto(vim.uiUrl.href)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'VMs' }).click()

    await page.getByRole('button', { name: 'Add SSH host / VirtualBox VM / Swarm node' }).click()
    const form = page.getByRole('form', { name: 'Add an SSH host, a VirtualBox VM or a Swarm node' })
    await form.getByLabel('Address').fill(host.address)
    await form.getByLabel('User').fill(hosts.users.admin.user)
    await form.getByLabel('Authentication').selectOption('key')
    await form.getByLabel('Private key path').fill(hosts.users.admin.keyFile)
    await form.getByLabel('Name (optional)').fill(host.name)
    await form.getByRole('button', { name: 'Add host', exact: true }).click()
    await page.getByRole('button', { name: 'Deploy agent now', exact: true }).click()

    const panel = page.getByRole('dialog', { name: `Agent on ${host.name}` })
    await panel.getByRole('button', { name: 'Start deploy', exact: true }).click()
    // Done when the agent said hello; the steps and the log were live on the way.
    await panel.getByText(`${host.name}'s agent connected`).waitFor({ timeout: 120_000 })
    const steps = panel.getByRole('list', { name: 'Steps' }).getByRole('listitem')
    const states = await Promise.all((await steps.all()).map((step) => step.getAttribute('data-state')))
    expect(states.length).toBeGreaterThanOrEqual(6)
    expect(states.every((state) => state === 'done' || state === 'skipped')).toBe(true)
    const log = panel.getByRole('log', { name: 'Log' })
    expect(await log.locator('.deploy-log-line').count()).toBeGreaterThan(5)
    // The lab host has no Node: the log shows the VIM's own runtime going up over SFTP.
    expect(await log.textContent()).toMatch(/node/i)

    const cluster = async () => {
      const response = await fetch(`${vim.baseUrl}/api/v1/cluster`, {
        headers: { Authorization: `Bearer ${vim.token}` },
      })
      return (await response.json()) as ClusterSnapshot
    }
    await waitFor(
      `${host.name} with an agent in the cluster`,
      async () => ((await cluster()).vms.find((vm) => vm.name === host.name)?.agent ? true : undefined),
      30_000,
    )

    await panel.getByRole('button', { name: 'Uninstall agent', exact: true }).click()
    await panel.getByRole('button', { name: `Uninstall from ${host.name}`, exact: true }).click()
    await panel.getByText(`The agent is uninstalled from ${host.name}`).waitFor({ timeout: 60_000 })
    await waitFor(
      `${host.name} without an agent`,
      async () => ((await cluster()).vms.find((vm) => vm.name === host.name)?.agent ? undefined : true),
      30_000,
    )
    expect(problems).toEqual([])
  }, 300_000)
})
