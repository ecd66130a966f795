// Desktop transport: the preload's bridge to the main process.

import type { PreloadBridge } from '../../../preload/api'
import { ApiError, type ApiResult } from '../../../shared/api/contract'
import type { ApiClient } from './client'

export function createIpcClient(bridge: PreloadBridge): ApiClient {
  return {
    transport: 'ipc',
    call: async (channel, input) => unwrap(await bridge.call(channel, input)),
    onEvent: (listener) => bridge.onEvent(listener),
    onConnection: (listener) => {
      // The main process lives as long as the window: IPC is always connected.
      listener('connected')
      return () => {}
    },
  }
}

export function unwrap<T>(result: ApiResult<unknown>): T {
  if (!result.ok) throw new ApiError(result.error.code, result.error.message)
  return result.value as T
}
