// The Electron transport of the control API: one invoke channel and one event channel, both typed by
// the shared contract. Only our own window's top frame may call.
import { ipcMain, type WebContents, type WebFrameMain } from 'electron'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../preload/channels'
import type { ControlApi } from '../shared/api/contract'
import { dispatchApiCall } from './api/dispatch'
import { type FeedSources, openEventFeed } from './api/event-feed'

export function registerIpcBridge(
  api: ControlApi,
  isTrustedFrame: (frame: WebFrameMain | null) => boolean,
): void {
  ipcMain.handle(IPC_CALL_CHANNEL, async (event, channel: unknown, input: unknown) => {
    if (!isTrustedFrame(event.senderFrame)) {
      return {
        ok: false,
        error: { code: 'unauthorized', message: 'IPC call from an untrusted frame was refused.' },
      }
    }
    return dispatchApiCall(api, channel, input)
  })
}

/**
 * Pushes API events into a window for as long as it lives. The feed starts again with each page load: a
 * page (re)loaded holds no cluster, and the feed's deltas apply only to the full snapshot it opens with.
 */
export function streamEventsTo(contents: WebContents, feed: FeedSources): void {
  let close = () => {}
  contents.on('did-finish-load', () => {
    close()
    close = openEventFeed(feed, (event) => {
      if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event)
    })
  })
  contents.once('destroyed', () => close())
}
