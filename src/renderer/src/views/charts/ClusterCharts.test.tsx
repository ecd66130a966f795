// @vitest-environment happy-dom
// The Charts section streaming from a fake core: uPlot gets new data every tick through setData while
// React does not re-render; the range selector and scaling markers reach the charts.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { Profiler } from 'react'
import type uPlot from 'uplot'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { AppProvider } from '../../app-context'
import { createAppStore } from '../../store/app-store'
import { FakeApiClient } from '../../test-support/fake-api-client'
import { clusterEvent, container, snapshot, vm } from '../../test-support/fixtures'
import { ClusterCharts } from './ClusterCharts'
import { MetricsHistoryProvider } from './MetricsHistoryProvider'
import { scalingMarkersPlugin } from './scaling-markers'

// happy-dom has no 2D canvas: a stand-in uPlot records what the charts hand it.
const plots = vi.hoisted(() => [] as FakePlotShape[])
interface FakePlotShape {
  title: string
  data: (number | null)[][]
  setDataCalls: number
  destroyed: boolean
  opts: uPlot.Options
}
vi.mock('uplot', () => {
  class FakePlot implements FakePlotShape {
    static paths = { stepped: () => () => null }
    title: string
    setDataCalls = 0
    destroyed = false
    constructor(
      readonly opts: uPlot.Options,
      public data: (number | null)[][],
      element: HTMLElement,
    ) {
      this.title = element.closest('figure')?.getAttribute('aria-label') ?? ''
      plots.push(this)
    }
    setData(data: (number | null)[][]) {
      this.data = data
      this.setDataCalls++
    }
    setSize() {}
    destroy() {
      this.destroyed = true
    }
  }
  return { default: FakePlot }
})

beforeAll(() => {
  HTMLCanvasElement.prototype.getContext = (() => ({})) as never
})
afterEach(() => {
  cleanup()
  plots.length = 0
})

const live = (title: string) => plots.filter((p) => p.title === title && !p.destroyed)

function renderCharts() {
  const client = new FakeApiClient()
    .on('proxy:stats', () => ({
      url: null,
      algorithm: 'least-outstanding',
      backends: [],
      requestRate: 12,
      errorRate: 0.5,
      latencyMsP50: 8,
      latencyMsP95: 30,
    }))
    .on('events:list', () => [])
    .fail('series:get', 'not_found', 'No series yet.')
  const store = createAppStore('light')
  store.getState().setConnection('connected')
  store.getState().applyEvent({
    name: 'cluster:snapshot',
    data: snapshot(
      [vm({ name: 'lab-1', cpuPercent: 40, containers: [container({ name: 'w' })] }), vm({ name: 'lab-2' })],
      Date.now(),
    ),
  })
  let renders = 0
  render(
    <AppProvider store={store} client={client}>
      <MetricsHistoryProvider feedOptions={{ intervalMs: 25 }}>
        <Profiler id="charts" onRender={() => renders++}>
          <ClusterCharts />
        </Profiler>
      </MetricsHistoryProvider>
    </AppProvider>,
  )
  return { client, renders: () => renders }
}

describe('ClusterCharts', () => {
  it('streams each tick into uPlot with setData, without re-rendering React', async () => {
    const { renders } = renderCharts()
    await waitFor(() => expect(live('Replicas per VM')).toHaveLength(1))
    const rendersOnceVmsKnown = renders()
    const requests = live('Request rate')[0]!
    const before = requests.setDataCalls
    await waitFor(() => expect(requests.setDataCalls).toBeGreaterThan(before + 4))
    expect(renders()).toBe(rendersOnceVmsKnown)

    expect(requests.data[1]!.at(-1)).toBe(12)
    expect(
      live('Latency')[0]!
        .data.slice(1)
        .map((column) => column.at(-1)),
    ).toEqual([8, 30])
    const cpu = live("CPU per VM (% of its containers' limits)")[0]!
    expect(cpu.opts.series.slice(1).map((s) => s.label)).toEqual(['lab-1', 'lab-2'])
    expect(cpu.data.slice(1).map((column) => column.at(-1))).toEqual([40, 0])
    expect(
      live('Replicas per VM')[0]!
        .data.slice(1)
        .map((column) => column.at(-1)),
    ).toEqual([1, 0])
    expect(screen.getByRole('figure', { name: 'Request rate' }).textContent).toContain('12/s')
  })

  it('redraws for the chosen range: 1, 5 or 15 minutes of points', async () => {
    renderCharts()
    await waitFor(() => expect(live('Request rate')[0]?.data[0]).toHaveLength(300))
    fireEvent.click(
      within(screen.getByRole('group', { name: 'Time range' })).getByRole('button', { name: '1 min' }),
    )
    await waitFor(() => expect(live('Request rate')[0]?.data[0]).toHaveLength(60))
    fireEvent.click(screen.getByRole('button', { name: '15 min' }))
    await waitFor(() => expect(live('Request rate')[0]?.data[0]).toHaveLength(900))
  })

  it('marks scaling decisions from the live event stream on every chart', async () => {
    const { client } = renderCharts()
    await waitFor(() => expect(live('Request rate')).toHaveLength(1))
    const decision = clusterEvent({ id: 1, at: Date.now(), kind: 'scaling', message: 'lab-1: 1 → 2' })
    await act(async () => client.emit({ name: 'events:appended', data: [decision] }))
    const plugin = live('Request rate')[0]!.opts.plugins![0]!
    const drawn = drawMarkers(plugin, Math.floor(Date.now() / 1000))
    expect(drawn).toHaveLength(1)
  })
})

describe('scalingMarkersPlugin', () => {
  it('draws a dashed line at each marker inside the visible time range, and none outside', () => {
    const plugin = scalingMarkersPlugin(
      () => [
        { id: 1, atSec: 100, message: 'in' },
        { id: 2, atSec: 500, message: 'out' },
      ],
      '#f00',
    )
    expect(drawMarkers(plugin, 120)).toEqual([100])
  })
})

/** Runs the plugin's draw hook against a 1 px-per-second plot ending at `nowSec`; returns the x drawn. */
function drawMarkers(plugin: uPlot.Plugin, nowSec: number): number[] {
  const lines: number[] = []
  const ctx = {
    save() {},
    restore() {},
    beginPath() {},
    stroke() {},
    fill() {},
    setLineDash() {},
    lineTo() {},
    moveTo(x: number, y: number) {
      if (y === 0) lines.push(x)
    },
  }
  const u = {
    scales: { x: { min: nowSec - 60, max: nowSec } },
    bbox: { top: 0, left: 0, width: 60, height: 100 },
    ctx,
    valToPos: (value: number) => value,
  } as unknown as uPlot
  const draw = plugin.hooks.draw
  for (const hook of Array.isArray(draw) ? draw : [draw]) hook?.(u)
  return lines
}
