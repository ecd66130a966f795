// `node scripts/render-icon.mjs`: renders resources/icon.svg to the 1024 × 1024 resources/icon.png that the
// packages use (electron-builder derives the macOS .icns and the Windows .ico from it), in headless Chromium.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { root } from './ensure-build.mjs'

const SIZE = 1024
const svg = readFileSync(join(root, 'resources', 'icon.svg'), 'utf8')
const browser = await chromium.launch({ executablePath: process.env.ACS_CHROMIUM ?? '/usr/bin/chromium' })
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE } })
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${SIZE}" height="${SIZE}" `)}</body></html>`,
  )
  writeFileSync(join(root, 'resources', 'icon.png'), await page.screenshot({ omitBackground: true }))
} finally {
  await browser.close()
}
