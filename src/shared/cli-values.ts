// Command-line values checked alike by every program of the project (VIM, agent), with the same wording.

export function wholeNumber(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new Error(`${flag} must be a whole number from ${min} to ${max}, not '${text}'`)
  }
  return Number(text)
}
