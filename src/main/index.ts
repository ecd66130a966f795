// The Electron shell: one secure window over the VIM core. Everything else lives in Electron-free modules.
import { join } from 'node:path'
import { app, BrowserWindow, nativeTheme, safeStorage, session, shell, type WebFrameMain } from 'electron'
import { startHttpApiServer } from './api/http-server'
import { CONTENT_SECURITY_POLICY } from './api/static-files'
import { resolveApiToken } from './config/api-token'
import { parseVimArgs } from './config/cli'
import { prepareDataDir } from './config/data-dir'
import { unpackedPath } from './config/packaged-path'
import { type Core, startCore } from './core'
import { registerIpcBridge, streamEventsTo } from './ipc-bridge'
import { log } from './log'
import type { SecretBox } from './providers/ssh/secret-box'
import { hardenWebContents, isAppFrame, secureWebPreferences } from './window-security'

const rendererIndex = join(import.meta.dirname, '../renderer/index.html')
const devServerUrl = process.env.ELECTRON_RENDERER_URL

const isTrustedFrame = (frame: WebFrameMain | null) => isAppFrame(frame, { rendererIndex, devServerUrl })

/**
 * The system keychain (Keychain, DPAPI, libsecret/kwallet), when Electron has one: on Linux without a
 * keyring it falls back to a fixed key ('basic_text'), which is no better than the headless key file.
 */
function keychainSecretBox(): SecretBox | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text')
    return undefined
  return {
    kind: 'os-keychain',
    seal: (text) => safeStorage.encryptString(text).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  }
}

function createWindow(core: Core): void {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Auto Cloud Scaler',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#111418' : '#f6f7f9',
    webPreferences: secureWebPreferences(join(import.meta.dirname, '../preload/index.cjs')),
  })
  window.once('ready-to-show', () => window.show())
  streamEventsTo(window.webContents, core.feed)
  if (devServerUrl) void window.loadURL(devServerUrl)
  else void window.loadFile(rendererIndex)
}

async function main(): Promise<void> {
  const parsed = parseVimArgs(process.argv.slice(app.isPackaged ? 1 : 2), process.env)
  if (parsed.kind !== 'run') {
    log.error(parsed.kind === 'error' ? parsed.message : 'use `npm run serve -- --help` for the options')
    app.exit(2)
    return
  }
  const dataDir = prepareDataDir(parsed.options.dataDir ?? app.getPath('userData'))
  await app.whenReady()

  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    })
  })

  const { uiPort, dataDir: _unused, allowedHosts, ...coreOptions } = parsed.options
  // The HTTP API's port is the VIM's own too: no agent may have public traffic sent there.
  let uiPortBound = uiPort
  // Packaged or not, the agent bundle sits beside the app's out/ folder in dist/ (packaged: unpacked, since
  // lab VMs run it as a separate process).
  const core = await startCore({
    ...coreOptions,
    dataDir,
    agentBundle: unpackedPath(join(import.meta.dirname, '../../dist/vmm-agent.mjs')),
    secretBox: keychainSecretBox(),
    otherOwnPorts: () => [uiPortBound],
  })
  registerIpcBridge(core.api, isTrustedFrame)
  // The HTTP API stays available to scripts and other browsers, behind the same token as headless mode.
  const http = await startHttpApiServer({
    api: core.api,
    feed: core.feed,
    metrics: () => core.metrics.render(),
    token: resolveApiToken(dataDir),
    rendererDir: join(import.meta.dirname, '../renderer'),
    host: coreOptions.host,
    port: uiPort,
    allowedHosts,
  }).catch((error: Error) => {
    log.warn(`control API over HTTP not started: ${error.message}`)
    return undefined
  })
  if (http) uiPortBound = http.port

  createWindow(core)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(core)
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('will-quit', (event) => {
    event.preventDefault()
    void Promise.allSettled([http?.close(), core.stop()]).then(() => app.exit(0))
  })
}

// Security checklist: no navigation away from the app and no new windows, in every web contents.
app.on('web-contents-created', (_event, contents) =>
  hardenWebContents(contents, (url) => void shell.openExternal(url)),
)

main().catch((error) => {
  log.error('the app failed to start', error)
  app.exit(1)
})
