// Which Host and Origin the control API answers: only names that mean this VIM, so that a web page on
// another site cannot reach it through DNS rebinding or drive it from the user's browser.
import { bareHost } from '../config/listen-address'

export interface AllowedHostsInput {
  /** The address the server is bound to (127.0.0.1, 0.0.0.0, 192.168.56.1, ...). */
  boundHost: string
  /** Names the user allowed (--allowed-host, ACS_ALLOWED_HOSTS). */
  configured: readonly string[]
  /** This machine's interface addresses; served only when bound to a wildcard address. */
  interfaces: readonly string[]
  wildcard: boolean
}

export const ALWAYS_ALLOWED_HOSTS = ['localhost', '127.0.0.1', '::1'] as const

/** The host names (no port, no brackets, lower case) a request may name. */
export function allowedHosts(input: AllowedHostsInput): ReadonlySet<string> {
  const names = [...ALWAYS_ALLOWED_HOSTS, ...input.configured]
  if (input.wildcard) names.push(...input.interfaces)
  else names.push(input.boundHost)
  return new Set(names.map((name) => bareHost(name.trim()).toLowerCase()).filter((name) => name !== ''))
}

export type HostCheck = { ok: true; hostname: string } | { ok: false; message: string }

/**
 * Only the host name counts, not the port: a tunnel or port forward (ssh -L 8000:localhost:17000)
 * changes the port a browser names, while a rebinding attack needs a foreign name.
 */
export function checkHost(header: string | undefined, allowed: ReadonlySet<string>): HostCheck {
  const hostname = hostnameOf(header)
  if (hostname === undefined) {
    return {
      ok: false,
      message: `The Host header ${header === undefined ? 'is missing' : `'${header}' is not valid`}.`,
    }
  }
  if (allowed.has(hostname)) return { ok: true, hostname }
  return {
    ok: false,
    message:
      `This VIM does not serve the host '${header}'. If you reach it under that name on purpose, ` +
      `start it with --allowed-host ${hostname} (or ACS_ALLOWED_HOSTS=${hostname}).`,
  }
}

export type OriginCheck = { ok: true } | { ok: false; message: string }

/**
 * A request without Origin comes from a program that holds the token itself; one with an Origin comes
 * from a page, which must be the UI this server sent (http, the same host and port as the request).
 */
export function checkOrigin(
  origin: string | undefined,
  hostHeader: string | undefined,
  allowed: ReadonlySet<string>,
): OriginCheck {
  if (origin === undefined) return { ok: true }
  let url: URL | undefined
  try {
    url = new URL(origin)
  } catch {
    url = undefined
  }
  const sameHost = url !== undefined && hostHeader !== undefined && url.host === normalHost(hostHeader)
  if (url?.protocol === 'http:' && sameHost && allowed.has(bareHost(url.hostname).toLowerCase())) {
    return { ok: true }
  }
  return {
    ok: false,
    message: `Requests from the page at ${origin} are refused: only this VIM's own UI may call it from a browser.`,
  }
}

/** The host name of a Host header value (`name`, `name:port`, `[v6]:port`), or undefined if malformed. */
export function hostnameOf(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined
  try {
    const url = new URL(`http://${header}`)
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined
    return bareHost(url.hostname).toLowerCase()
  } catch {
    return undefined
  }
}

/** A Host header as a URL's `host` writes it (lower case, default port dropped). */
function normalHost(header: string): string | undefined {
  try {
    return new URL(`http://${header}`).host
  } catch {
    return undefined
  }
}
