// The one way a command line reaches a remote shell: every word single-quoted, so that nothing a user
// typed (a name, a path, a home directory) is ever read by the shell as syntax.

/** `word` as one POSIX shell word: single-quoted, each `'` written as `'\''`. */
export function quoteWord(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte')
  // Plain words stay readable in the deploy log; anything else is quoted.
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** argv as one command line for `sh -c`, each argument exactly one word, whatever it holds. */
export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('a command needs at least one word')
  return argv.map(quoteWord).join(' ')
}

/**
 * A fixed script run by `sh -c`, with `args` as its positional parameters ($1, $2, …): the script is a
 * constant and every value reaches it as data, never as code.
 */
export function scriptCommand(script: string, args: readonly string[] = [], sudo = false): string {
  return shellQuote([...(sudo ? ['sudo', '-n'] : []), 'sh', '-c', script, 'sh', ...args])
}
