// What the preload exposes to the renderer as `window.acs` (the desktop transport of the control API).
import type { ApiEvent, ApiResult } from '../shared/api/contract'

export interface PreloadBridge {
  call(channel: string, input: unknown): Promise<ApiResult<unknown>>
  onEvent(listener: (event: ApiEvent) => void): () => void
}

declare global {
  interface Window {
    acs?: PreloadBridge
  }
}
