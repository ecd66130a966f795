// Records every request the traffic engine sends to one origin — when it left, its status, when it ended —
// from undici's diagnostics channels, so the engine runs unchanged and its HDR summary stays its own.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { TappedRequest } from './record'

interface UndiciRequest {
  origin?: unknown
  path?: string
}

const CHANNELS = ['create', 'headers', 'trailers', 'error'] as const

export class RequestTap {
  readonly requests: TappedRequest[] = []
  private readonly byRequest = new WeakMap<object, TappedRequest>()
  private readonly handlers = new Map<string, (message: unknown) => void>()

  constructor(
    private readonly origin: string,
    private readonly path: string,
  ) {}

  start(): void {
    const on = (name: (typeof CHANNELS)[number], handle: (request: object, message: never) => void) => {
      const handler = (message: unknown) => {
        const { request } = message as { request: UndiciRequest }
        if (String(request.origin).replace(/\/$/, '') !== this.origin || request.path !== this.path) return
        handle(request, message as never)
      }
      this.handlers.set(`undici:request:${name}`, handler)
      subscribe(`undici:request:${name}`, handler)
    }
    on('create', (request) => {
      const tapped: TappedRequest = { createdMs: performance.now() }
      this.requests.push(tapped)
      this.byRequest.set(request, tapped)
    })
    on('headers', (request, { response }: { response: { statusCode: number } }) => {
      const tapped = this.byRequest.get(request)
      if (tapped) tapped.status = response.statusCode
    })
    on('trailers', (request) => {
      const tapped = this.byRequest.get(request)
      if (tapped) tapped.doneMs = performance.now()
    })
    on('error', (request, { error }: { error: Error & { code?: string } }) => {
      const tapped = this.byRequest.get(request)
      if (!tapped) return
      tapped.doneMs = performance.now()
      tapped.error = error.code ?? error.message
    })
  }

  stop(): void {
    for (const [name, handler] of this.handlers) unsubscribe(name, handler)
    this.handlers.clear()
  }
}
