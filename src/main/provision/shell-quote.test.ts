import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { quoteWord, scriptCommand, shellQuote } from './shell-quote'

/** What a real POSIX shell makes of the command line: its words, one per line of output. */
function wordsAfterShell(commandLine: string): string[] {
  const out = execFileSync('sh', ['-c', `for w in ${commandLine}; do printf '%s\\0' "$w"; done`], {
    encoding: 'utf8',
  })
  return out.split('\0').slice(0, -1)
}

describe('shellQuote', () => {
  it.each([
    ['plain', 'plain'],
    ['/opt/auto-cloud-scaler/node', '/opt/auto-cloud-scaler/node'],
    ['two words', `'two words'`],
    ["it's", `'it'\\''s'`],
    ['', `''`],
    ['$(reboot)', `'$(reboot)'`],
    ['`id`', `'\`id\`'`],
    ['a\nb', `'a\nb'`],
    ['*', `'*'`],
    ['~', `'~'`],
    ['-n', '-n'],
    ['a;b', `'a;b'`],
    ['"q"', `'"q"'`],
    ['\\', `'\\'`],
  ])('quotes %j as %s', (word, quoted) => {
    expect(quoteWord(word)).toBe(quoted)
  })

  it('a real shell reads every argument back exactly, whatever it holds', () => {
    const argv = [
      'echo',
      "it's",
      '$(touch /tmp/acs-should-not-exist)',
      '`id`',
      'line\nbreak',
      "''",
      ' lead',
      '$HOME',
      '*',
      'a\\b',
      '"',
      '!x',
      '',
    ]
    expect(wordsAfterShell(shellQuote(argv))).toEqual(argv)
  })

  it('refuses an empty command and a NUL byte', () => {
    expect(() => shellQuote([])).toThrow(/at least one word/)
    expect(() => shellQuote(['a\0b'])).toThrow(/NUL/)
  })

  it('passes values to a fixed script as positional parameters', () => {
    const command = scriptCommand('printf "%s|" "$@"', ["x'y", '$(id)', 'a b'])
    expect(execFileSync('sh', ['-c', command], { encoding: 'utf8' })).toBe("x'y|$(id)|a b|")
    expect(scriptCommand('true', [], true)).toBe('sudo -n sh -c true sh')
  })
})
