// Headless Chromium (Debian's package) driven by playwright-core, for the UI's end-to-end tests.
import { type Browser, type ConsoleMessage, chromium, type Page } from 'playwright-core'
import { CHROMIUM_PATH } from './services'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * Collects what a user would call a broken page: console errors, uncaught errors, and CSP violations
 * (Chromium does not always log those as console errors, so the page reports them itself).
 */
export async function watchPageProblems(page: Page): Promise<string[]> {
  const problems: string[] = []
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  await page.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))",
  })
  return problems
}
