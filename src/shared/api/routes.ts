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
  /** The path names a route, but a parameter's percent-encoding is broken (`%zz`, a cut UTF-8 sequence). */
  | { kind: 'malformed'; channel: ApiCallName; message: string }
  | { kind: 'none' }

export function matchApiRoute(method: string, pathname: string): RouteMatch {
  const samePath = routes.filter((route) => route.pattern.test(pathname))
  if (samePath.length === 0) return { kind: 'none' }
  const route = samePath.find((candidate) => candidate.method === method)
  if (!route) return { kind: 'method-not-allowed', allowed: samePath.map((candidate) => candidate.method) }
  const values = route.pattern.exec(pathname)?.slice(1) ?? []
  const params: Record<string, string> = {}
  for (const [index, name] of route.params.entries()) {
    const value = decodePathSegment(values[index] ?? '')
    if (value === undefined) {
      return {
        kind: 'malformed',
        channel: route.channel,
        message: `The path ${pathname} has a malformed percent-encoding in its ${name}: write each byte as %XX (UTF-8).`,
      }
    }
    params[name] = value
  }
  return { kind: 'call', channel: route.channel, params }
}

/** A path segment decoded, or undefined when its percent-encoding is not valid UTF-8 escapes. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
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
