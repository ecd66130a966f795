// Turning errors and peer-supplied text into single, safe log lines.

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * Text from or about a peer as safe log text: no control or direction characters (a forged second log
 * line, reversed text), bounded. Reasons can quote what an agent sent, e.g. a JSON error shows the bad text.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, '?').slice(0, 600)
}
