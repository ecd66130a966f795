// Colours for the canvas charts. A canvas cannot use CSS variables, so a chart resolves them from the
// page when it is created (and again when the theme changes).

/** Mid-tone hues that read on the light and the dark background alike; VMs take them in name order. */
export const VM_PALETTE = [
  '#3b82f6',
  '#f59e0b',
  '#10b981',
  '#ef4444',
  '#8b5cf6',
  '#06b6d4',
  '#ec4899',
  '#84cc16',
  '#f97316',
  '#64748b',
] as const

export function vmColor(index: number): string {
  return VM_PALETTE[index % VM_PALETTE.length]!
}

const FALLBACK: Record<string, string> = {
  '--text': '#1b1f24',
  '--muted': '#5b6470',
  '--border': '#d8dde3',
  '--accent': '#2563eb',
  '--ok': '#15803d',
  '--warn': '#b45309',
  '--bad': '#b91c1c',
}

/** `var(--accent)` → the colour it stands for at `element`; other colours pass through. */
export function resolveColor(element: Element, color: string): string {
  const match = /^var\((--[\w-]+)\)$/.exec(color)
  if (!match) return color
  const name = match[1]!
  const value = getComputedStyle(element).getPropertyValue(name).trim()
  return value || FALLBACK[name] || '#888888'
}
