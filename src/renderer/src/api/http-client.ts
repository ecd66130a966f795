// Browser transport: HTTP+JSON calls and a WebSocket event stream that reconnects with backoff.
import { API_PREFIX, ApiError, type ApiEvent, apiCalls } from '../../../shared/api/contract'
import { apiPath } from '../../../shared/api/routes'
import type { ApiClient, ConnectionState } from './client'

const TOKEN_KEY = 'acs.token'
const MAX_BACKOFF_MS = 10_000

/** The token arrives in the page URL once; keep it for this tab and take it out of the address bar. */
export function takeToken(location: Location, storage: Storage = window.sessionStorage): string {
  const url = new URL(location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl)
    url.searchParams.delete('token')
    window.history.replaceState(null, '', url.pathname + url.search + url.hash)
  }
  return fromUrl ?? storage.getItem(TOKEN_KEY) ?? ''
}

export function createHttpClient(location: Location): ApiClient {
  const token = takeToken(location)
  const eventListeners = new Set<(event: ApiEvent) => void>()
  const connectionListeners = new Set<(state: ConnectionState) => void>()
  let state: ConnectionState = 'connecting'
  let socket: WebSocket | undefined
  let attempt = 0

  const setState = (next: ConnectionState) => {
    state = next
    for (const listener of connectionListeners) listener(next)
  }

  const connect = () => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    const ws = new WebSocket(`${scheme}//${location.host}${API_PREFIX}/stream`)
    socket = ws
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token }))
    ws.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as { type: string } & Partial<ApiEvent>
      if (data.type === 'ready') {
        attempt = 0
        setState('connected')
      } else if (data.type === 'event') {
        for (const listener of eventListeners) listener({ name: data.name, data: data.data } as ApiEvent)
      }
    }
    ws.onclose = (event) => {
      if (socket !== ws) return
      if (event.code === 4401) return setState('unauthorized') // retrying with the same token cannot help
      setState('disconnected')
      // Exponential backoff with full jitter, so many tabs do not reconnect in lockstep.
      const delay = Math.random() * Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt++)
      setTimeout(connect, delay)
    }
  }
  connect()

  return {
    transport: 'http',
    call: async (channel, input) => {
      const spec = apiCalls[channel]
      const hasBody = spec.method !== 'GET' && spec.method !== 'DELETE'
      const params = (input ?? {}) as Record<string, string>
      const query =
        spec.method === 'GET' && Object.keys(params).length > 0 ? `?${new URLSearchParams(params)}` : ''
      const response = await fetch(apiPath(channel, params) + query, {
        method: spec.method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
        },
        body: hasBody ? JSON.stringify(input ?? {}) : null,
      })
      const body = (await response.json().catch(() => ({}))) as {
        error?: { code: ApiError['code']; message: string }
      }
      if (!response.ok) {
        throw new ApiError(body.error?.code ?? 'internal', body.error?.message ?? `HTTP ${response.status}`)
      }
      return body as never
    },
    onEvent: (listener) => {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
    onConnection: (listener) => {
      connectionListeners.add(listener)
      listener(state)
      return () => connectionListeners.delete(listener)
    },
  }
}
