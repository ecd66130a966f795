// @vitest-environment happy-dom
// The graph's opening viewport: centred when the cluster fits readably, else anchored at the VIM.
import { describe, expect, it } from 'vitest'
import { boundsOf, initialViewport } from './topology-viewport'

describe('initialViewport', () => {
  const view = { width: 800, height: 400 }

  it.each([
    {
      name: 'a small cluster: centred, not zoomed in beyond 1',
      content: { x: 0, y: 0, width: 400, height: 200 },
      expected: { x: 200, y: 100, zoom: 1 },
    },
    {
      name: 'a cluster that fits when zoomed out a little: centred at the fitting zoom',
      content: { x: 0, y: 0, width: 800, height: 352 },
      expected: { x: 24, y: 34.56, zoom: 0.94 },
    },
    {
      name: 'a row too wide to read whole: the VIM side at the readable zoom (12 px text ≥ 10 px), centred vertically',
      content: { x: 0, y: 0, width: 13000, height: 300 },
      expected: { x: 24, y: 72.5, zoom: 0.85 },
    },
    {
      name: 'tall columns of containers: the top in view, centred horizontally',
      content: { x: 0, y: 0, width: 500, height: 2000 },
      expected: { x: 187.5, y: 24, zoom: 0.85 },
    },
    {
      name: 'content not at the origin is shifted into view',
      content: { x: 100, y: 50, width: 400, height: 200 },
      expected: { x: 100, y: 50, zoom: 1 },
    },
  ])('$name', ({ content, expected }) => {
    const viewport = initialViewport(content, view)
    for (const key of ['x', 'y', 'zoom'] as const) expect(viewport[key], key).toBeCloseTo(expected[key], 9)
  })

  it('measures the nodes’ box from their positions and sizes', () => {
    expect(
      boundsOf([
        { position: { x: 10, y: 0 }, width: 100, height: 50 },
        { position: { x: -20, y: 200 }, width: 30, height: 40 },
      ]),
    ).toEqual({ x: -20, y: 0, width: 130, height: 240 })
    expect(boundsOf([])).toEqual({ x: 0, y: 0, width: 0, height: 0 })
  })
})
