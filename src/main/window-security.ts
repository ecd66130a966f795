// The desktop window's part of Electron's security checklist, kept free of Electron so that it is tested
// without the binary: the web preferences, which frames may call the API, and what web contents may not do.
import { pathToFileURL } from 'node:url'

/** Context isolation, the renderer sandbox, no Node in the page, web security on. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
  } as const
}

/** The top frame of our own page (the built index.html, or the dev server in development), nothing else. */
export function isAppFrame(
  frame: { parent: unknown; url: string } | null,
  app: { rendererIndex: string; devServerUrl: string | undefined },
): boolean {
  if (!frame || frame.parent !== null) return false
  let url: URL
  try {
    url = new URL(frame.url)
  } catch {
    return false
  }
  if (app.devServerUrl) return url.origin === new URL(app.devServerUrl).origin
  return url.protocol === 'file:' && url.pathname === pathToFileURL(app.rendererIndex).pathname
}

interface PreventableEvent {
  preventDefault(): void
}

/** The slice of Electron's WebContents this needs. */
export interface HardenableContents {
  on(event: 'will-navigate' | 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
}

/** No navigation away from the app, no webviews, no new windows; https links open in the user's browser. */
export function hardenWebContents(contents: HardenableContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) openExternal(url)
    return { action: 'deny' }
  })
}
