// `npm run screenshots`: starts a lab of 2 VMs, sends a little traffic, and photographs every page of the
// UI in light and dark with Debian's chromium into docs/screenshots/ (what the README shows).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { root } from './ensure-build.mjs'

const TOKEN = 'screenshots'
const dataDir = mkdtempSync(join(tmpdir(), 'acs-shots-'))
const vim = spawn(
  process.execPath,
  ['scripts/serve.mjs', '--lab', '2', '--ui-port', '0', '--proxy-port', '0', '--hub-port', '0'],
  {
    cwd: root,
    env: { ...process.env, ACS_TOKEN: TOKEN, ACS_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
)
const uiUrl = await new Promise((resolve, reject) => {
  let out = ''
  vim.stdout.on('data', (chunk) => {
    out += chunk
    const match = /^UI: (\S+)$/m.exec(out)
    if (match) resolve(match[1])
  })
  vim.once('exit', (code) => reject(new Error(`the VIM exited with ${code}`)))
})
const base = new URL(uiUrl).origin
const api = (path, init = {}) =>
  fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
  }).then((r) => r.json())
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const browser = await chromium.launch({
  executablePath: process.env.ACS_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
  ],
})
try {
  for (let i = 0; i < 60; i++) {
    const cluster = await api('/cluster')
    if (cluster.vms?.length === 2 && cluster.vms.every((vm) => vm.status === 'ready')) break
    await sleep(500)
  }
  // Bounded load, so that the charts and the topology show scaling.
  await api('/traffic', {
    method: 'POST',
    body: JSON.stringify({
      pattern: { kind: 'steady', rate: 1 },
      durationSeconds: 40,
      path: '/session?seconds=4',
    }),
  })
  await sleep(25_000)
  for (const scheme of ['light', 'dark']) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: scheme })
    await page.goto(uiUrl)
    await page.getByTestId('connection').and(page.locator('[data-state="connected"]')).waitFor()
    const nav = page.getByRole('navigation', { name: 'Main' })
    for (const [button, file] of [
      ['Topology', 'topology'],
      ['VMs', 'vms'],
      ['Scaling', 'scaling'],
      ['Traffic', 'traffic'],
      ['Events', 'events'],
    ]) {
      await nav.getByRole('button', { name: button }).click()
      await sleep(1500)
      await page.screenshot({ path: join(root, 'docs/screenshots', `${file}-${scheme}.png`), fullPage: true })
    }
    await page.close()
  }
} finally {
  await browser.close()
  vim.kill('SIGTERM')
  await new Promise((resolve) => vim.once('exit', resolve))
  rmSync(dataDir, { recursive: true, force: true })
}
