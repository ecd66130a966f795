// Validation problems and thrown values as the one-line text a person reads, everywhere alike.
import type { z } from 'zod'

/** `path: message` per problem, e.g. "policy.targetUtilization: must be at most 0.95"; at most `max`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], max = Number.POSITIVE_INFINITY): string {
  const shown = issues.slice(0, max).map((issue) => {
    const path = issue.path
      .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`))
      .join('')
    return path ? `${path}: ${issue.message}` : issue.message
  })
  const more = issues.length > max ? ` (and ${issues.length - max} more)` : ''
  return shown.join('; ') + more
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
