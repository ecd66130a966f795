// `npm run dist`'s configuration, checked by electron-builder itself: its schema accepts electron-builder.json
// (and rejects a mistake), and a real packing run — electron-builder with a stand-in for the Electron binary,
// which cannot be downloaded here — puts main, preload, renderer, the agent bundle and resources in the app.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../support/headless-process'

const require = createRequire(import.meta.url)
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  getConfig(
    projectDir: string,
    configPath: string | null,
    fromOptions: null,
  ): Promise<Record<string, unknown>>
  validateConfiguration(config: Record<string, unknown>, logger: unknown): Promise<void>
}
const { DebugLogger } = require('builder-util/out/DebugLogger') as {
  DebugLogger: new (on: boolean) => unknown
}
const { listPackage } = require('@electron/asar') as {
  listPackage(archive: string, options: { isPack: boolean }): string[]
}

const scratch = mkdtempSync(join(tmpdir(), 'acs-dist-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('npm run dist configuration', () => {
  it("passes electron-builder's schema, which rejects an unknown field", async () => {
    const config = await getConfig(repoRoot, join(repoRoot, 'electron-builder.json'), null)
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
    expect(config).toMatchObject({ appId: 'org.autocloudscaler.desktop', productName: 'Auto Cloud Scaler' })
    await expect(validateConfiguration({ ...config, filez: [] }, new DebugLogger(false))).rejects.toThrow(
      /filez/,
    )
  })

  it('names packages for Linux, macOS and Windows, with an icon electron-builder can convert', async () => {
    const config = JSON.parse(readFileSync(join(repoRoot, 'electron-builder.json'), 'utf8'))
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.mac.target).toEqual(['dmg'])
    expect(config.win.target).toEqual(['nsis'])
    // A PNG of at least 512 × 512: electron-builder makes the .icns and .ico from it.
    const png = readFileSync(join(repoRoot, config.icon))
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512)
    expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(512)
  })

  it('packs main, preload, renderer, the agent bundle (unpacked) and resources, and no sources or tests', () => {
    const electronDist = join(scratch, 'electron')
    mkdirSync(electronDist)
    writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary"\n')
    chmodSync(join(electronDist, 'electron'), 0o755)
    const output = join(scratch, 'release')
    execFileSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'electron-builder', 'cli.js'),
        '--linux',
        'dir',
        `--config.electronDist=${electronDist}`,
        `--config.directories.output=${output}`,
      ],
      { cwd: repoRoot, stdio: 'pipe', timeout: 120_000 },
    )
    const resources = join(output, 'linux-unpacked', 'resources')
    const files = new Set(
      listPackage(join(resources, 'app.asar'), { isPack: false }).map((f) => f.replaceAll('\\', '/')),
    )
    for (const file of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/headless.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/dist/vmm-agent.mjs',
      '/resources/agent-supervisor.sh',
      '/resources/acs-agent.service',
      '/node_modules/dockerode/package.json',
      '/node_modules/ssh2/package.json',
    ])
      expect(files, file).toContain(file)
    // Run as a separate process by lab VMs, so it must exist outside the archive too.
    expect(existsSync(join(resources, 'app.asar.unpacked', 'dist', 'vmm-agent.mjs'))).toBe(true)
    expect(existsSync(join(resources, 'app.asar.unpacked', 'resources', 'agent-supervisor.sh'))).toBe(true)
    const stray = [...files].filter((f) => /^\/(src|test|bench|vmm-agent)\/|\.test\.|\.map$/.test(f))
    expect(stray).toEqual([])
    // Development tools stay out of the app.
    expect([...files].some((f) => f.startsWith('/node_modules/electron-builder/'))).toBe(false)
    expect([...files].some((f) => f.startsWith('/node_modules/vitest/'))).toBe(false)
  }, 150_000)
})
