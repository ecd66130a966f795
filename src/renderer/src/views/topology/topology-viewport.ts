// Where the graph opens: the whole cluster when it fits at a readable zoom, else the VIM's corner at
// that zoom (the user pans on, or uses the "fit view" control for the overview). Pure, so it is tested.

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

export interface Viewport {
  x: number
  y: number
  zoom: number
}

/**
 * Below this zoom node text is too small to read: the smallest is 12 px, and 12 × 0.85 = 10.2 px. The
 * graph opens no smaller (a cluster too big to fit opens at the VIM's corner; "fit view" shows it all).
 */
export const READABLE_ZOOM = 0.85

/** Zoomed out below this, busy edges stop their marching dashes: too small to see, costly to paint. */
export const OVERVIEW_ZOOM = 0.5

export interface ViewportOptions {
  padding?: number
  minZoom?: number
  maxZoom?: number
}

/** The box around `nodes` (positions are top-left corners). */
export function boundsOf(
  nodes: readonly { position: { x: number; y: number }; width?: number; height?: number }[],
): Box {
  if (nodes.length === 0) return { x: 0, y: 0, width: 0, height: 0 }
  let left = Number.POSITIVE_INFINITY
  let top = Number.POSITIVE_INFINITY
  let right = Number.NEGATIVE_INFINITY
  let bottom = Number.NEGATIVE_INFINITY
  for (const node of nodes) {
    left = Math.min(left, node.position.x)
    top = Math.min(top, node.position.y)
    right = Math.max(right, node.position.x + (node.width ?? 0))
    bottom = Math.max(bottom, node.position.y + (node.height ?? 0))
  }
  return { x: left, y: top, width: right - left, height: bottom - top }
}

export function initialViewport(
  content: Box,
  view: { width: number; height: number },
  { padding = 24, minZoom = READABLE_ZOOM, maxZoom = 1 }: ViewportOptions = {},
): Viewport {
  const room = {
    width: Math.max(1, view.width - 2 * padding),
    height: Math.max(1, view.height - 2 * padding),
  }
  const fit = Math.min(room.width / Math.max(1, content.width), room.height / Math.max(1, content.height))
  const zoom = Math.min(maxZoom, Math.max(minZoom, fit))
  // Per axis: centred when the content fits at this zoom, else its start (the VIM's side) in view.
  const place = (start: number, size: number, space: number) =>
    size * zoom <= space - 2 * padding ? (space - size * zoom) / 2 - start * zoom : padding - start * zoom
  return {
    x: place(content.x, content.width, view.width),
    y: place(content.y, content.height, view.height),
    zoom,
  }
}
