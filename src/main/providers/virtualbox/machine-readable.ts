// `VBoxManage showvminfo --machinereadable` as key/value entries, in the order VBoxManage printed them.
// The format is loose: keys may be quoted ("SATA-0-0"), contain spaces (BIOS NVRAM File), values may be
// bare numbers or quoted strings with \" and \\ escapes that span lines, and some lines carry no '=' at all.

export type MachineReadableEntry = readonly [key: string, value: string]

/** Every `key=value` line; lines without a key (e.g. 6.1's stray `Encryption:     disabled`) are skipped. */
export function parseMachineReadableEntries(text: string): MachineReadableEntry[] {
  const source = text.replace(/\r\n/g, '\n')
  const entries: MachineReadableEntry[] = []
  let at = 0
  while (at < source.length) {
    const lineEnd = endOfLine(source, at)
    let key: string
    let cursor: number
    if (source[at] === '"') {
      const quoted = readQuoted(source, at)
      if (source[quoted.end] !== '=') {
        at = endOfLine(source, quoted.end) + 1
        continue
      }
      key = quoted.value
      cursor = quoted.end + 1
    } else {
      const equals = source.indexOf('=', at)
      if (equals === -1 || equals > lineEnd) {
        at = lineEnd + 1
        continue
      }
      key = source.slice(at, equals).trim()
      cursor = equals + 1
    }
    if (source[cursor] === '"') {
      // A quoted value may run over several lines (a description); what follows its closing quote on
      // the same line (VideoMode's `@0,0 1`) is not part of the value.
      const quoted = readQuoted(source, cursor)
      entries.push([key, quoted.value])
      at = endOfLine(source, quoted.end) + 1
    } else {
      entries.push([key, source.slice(cursor, lineEnd).trimEnd()])
      at = lineEnd + 1
    }
  }
  return entries
}

/** The entries by key; a repeated key keeps its last value. */
export function parseMachineReadable(text: string): Map<string, string> {
  return new Map(parseMachineReadableEntries(text))
}

function endOfLine(text: string, from: number): number {
  const end = text.indexOf('\n', from)
  return end === -1 ? text.length : end
}

/** A string starting at the opening quote `start`, unescaped; `end` is just past the closing quote. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = ''
  let at = start + 1
  while (at < text.length) {
    const char = text[at]
    const next = text[at + 1]
    if (char === '\\' && (next === '"' || next === '\\')) {
      value += next
      at += 2
    } else if (char === '"') {
      return { value, end: at + 1 }
    } else {
      value += char
      at += 1
    }
  }
  return { value, end: text.length }
}
