import { EventEmitter } from 'node:events'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { hardenWebContents, isAppFrame, secureWebPreferences } from './window-security'

describe('the desktop window', () => {
  it('isolates the page: context isolation, sandbox, no Node, web security', () => {
    expect(secureWebPreferences('/app/preload.cjs')).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    })
  })

  const app = { rendererIndex: '/opt/acs/out/renderer/index.html', devServerUrl: undefined }
  const ours = pathToFileURL(app.rendererIndex).href
  it.each([
    [{ parent: null, url: ours }, app, true],
    [{ parent: null, url: `${ours}#/vms` }, app, true],
    [{ parent: {}, url: ours }, app, false], // an iframe inside our page
    [{ parent: null, url: 'file:///tmp/evil.html' }, app, false],
    [{ parent: null, url: 'https://example.com/' }, app, false],
    [{ parent: null, url: 'not a url' }, app, false],
    [null, app, false],
    [
      { parent: null, url: 'http://localhost:5173/' },
      { ...app, devServerUrl: 'http://localhost:5173' },
      true,
    ],
    [
      { parent: null, url: 'http://localhost:5174/' },
      { ...app, devServerUrl: 'http://localhost:5173' },
      false,
    ],
  ])('API calls from %j (%j): %s', (frame, where, trusted) => {
    expect(isAppFrame(frame, where)).toBe(trusted)
  })

  it('never navigates away, attaches no webview, opens no window; https links go to the browser', () => {
    const contents = new EventEmitter() as EventEmitter & {
      setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
      openHandler?: (details: { url: string }) => { action: 'deny' }
    }
    contents.setWindowOpenHandler = (handler) => {
      contents.openHandler = handler
    }
    const opened: string[] = []
    hardenWebContents(contents, (url) => opened.push(url))
    for (const event of ['will-navigate', 'will-attach-webview']) {
      let prevented = false
      contents.emit(event, { preventDefault: () => (prevented = true) })
      expect(prevented).toBe(true)
    }
    expect(contents.openHandler?.({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' })
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(contents.openHandler?.({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' })
    expect(opened).toEqual(['https://example.com/docs'])
  })
})
