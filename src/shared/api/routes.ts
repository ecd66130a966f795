// Maps HTTP method + path to a control-API channel, from the routes declared in the contract.
import { API_PREFIX, type ApiCallName, apiCalls } from './contract'

interface CompiledRoute {
  channel: ApiCallName
  method: string
  pattern: RegExp
  params: string[]
}

const routes: CompiledRoute[] = Object.entries(apiCalls).map(([channel, spec]) => {
  const params: string[] = []
  const source = spec.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    params.push(name)
    return '([^/]+)'
  })
  return {
    channel: channel as ApiCallName,
    method: spec.method,
    pattern: new RegExp(`^${API_PREFIX}${source}$`),
    params,
  }
})

export type RouteMatch =
  | { kind: 'call'; channel: ApiCallName; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'none' }

export function matchApiRoute(method: string, pathname: string): RouteMatch {
  const samePath = routes.filter((route) => route.pattern.test(pathname))
  if (samePath.length === 0) return { kind: 'none' }
  const route = samePath.find((candidate) => candidate.method === method)
  if (!route) return { kind: 'method-not-allowed', allowed: samePath.map((candidate) => candidate.method) }
  const values = route.pattern.exec(pathname)?.slice(1) ?? []
  const params = Object.fromEntries(
    route.params.map((name, index) => [name, decodeURIComponent(values[index] ?? '')]),
  )
  return { kind: 'call', channel: route.channel, params }
}

/** Builds the URL path of a call; used by the browser client so both ends read the same table. */
export function apiPath(channel: ApiCallName, params: Record<string, string> = {}): string {
  return (
    API_PREFIX +
    apiCalls[channel].path.replace(/:([A-Za-z]+)/g, (_m, name: string) =>
      encodeURIComponent(params[name] ?? ''),
    )
  )
}
