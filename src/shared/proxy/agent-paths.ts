// The agent's own pages live under /_agent/ on its load balancer port. They are for the agent's operator
// and the VIM, never for the public: the front proxy refuses every spelling of that prefix.

export const AGENT_STATUS_PATH = '/_agent/status'
/** 200 while the VM has a ready, healthy container, else 503: what the VIM's front proxy probes. */
export const AGENT_HEALTH_PATH = '/_agent/healthz'

const PREFIX = '/_agent'
/** Enough rounds to undo any encoding a backend might still undo once more (%255F → %5F → _). */
const MAX_DECODE_ROUNDS = 4
/** What a target needs for its normalized path to name the prefix: the name itself, or a way to spell it. */
const MAY_NAME_AGENT = /_agent|[%\\\t\n\r]/i

/** Dot segments resolved, repeated and back slashes folded, as a lenient server would read the path. */
function normalizedPath(path: string): string | undefined {
  try {
    return new URL(path.replace(/\\/g, '/').replace(/\/{2,}/g, '/'), 'http://front.invalid').pathname
  } catch {
    return undefined
  }
}

/**
 * Whether a request target names something under /_agent, in any case, percent-encoding, dot segment,
 * doubled slash or absolute form ("http://host/_agent/status"). An unreadable target counts as one.
 */
export function isAgentPath(target: string | undefined): boolean {
  if (target === undefined) return false
  // Every request asks, so the common case skips URL parsing: with no escape, no backslash and no tab
  // or line break (which a URL parser drops), normalizing cannot produce "_agent" unless it is there.
  if (!MAY_NAME_AGENT.test(target)) return false
  let path = target
  // The absolute form names a host first; only its path matters here.
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path)
  if (absolute) path = path.slice(absolute[0].length) || '/'
  path = path.split(/[?#]/, 1)[0] ?? ''
  for (let round = 0; round <= MAX_DECODE_ROUNDS; round++) {
    const normalized = normalizedPath(path.startsWith('/') ? path : `/${path}`)
    if (normalized === undefined) return true
    const lower = normalized.toLowerCase()
    if (lower === PREFIX || lower.startsWith(`${PREFIX}/`) || lower.startsWith(`${PREFIX};`)) return true
    let decoded: string
    try {
      decoded = decodeURIComponent(normalized)
    } catch {
      // A malformed escape: what follows it cannot be read, so judge the part that can.
      decoded = normalized.replace(/%(?![0-9a-f]{2})/gi, '%25')
      try {
        decoded = decodeURIComponent(decoded)
      } catch {
        return true
      }
    }
    if (decoded === normalized) return false
    path = decoded
  }
  return true
}
