// Headless Chromium (Debian's package) driven by playwright-core, for the UI's end-to-end tests.
import { type Browser, chromium } from 'playwright-core'
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
