// One time chart drawn by uPlot on a canvas. React renders it once per configuration; new points go
// straight to uPlot (setData) when its source notifies, so a 1 Hz stream never re-renders React.
import 'uplot/dist/uPlot.min.css'
import './charts.css'
import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import { useApp } from '../../app-context'
import { formatAxisClock } from '../../components/units'
import { resolveColor } from './chart-theme'
import type { ChartColumns, ScalingMarker } from './metrics-history'
import { scalingMarkersPlugin } from './scaling-markers'

export interface ChartLine {
  label: string
  /** A colour, or `var(--name)` for one of the theme's. */
  color: string
  /** Draw as steps (counts such as replicas change at an instant, not gradually). */
  stepped?: boolean
}

export interface TimeChartProps {
  title: string
  /** Memoize: a new array rebuilds the chart. */
  lines: readonly ChartLine[]
  /** Formats axis values and the latest value in the header, e.g. `12 req/s`. */
  format: (value: number) => string
  /** The y axis reaches at least this high, so an idle line does not fill the chart with noise. */
  minTop?: number
  height?: number
  /** Pull mode: read on mount and whenever `subscribe` notifies. Memoize both. */
  read?: () => ChartColumns
  subscribe?: (listener: () => void) => () => void
  /** Push mode: each new array is drawn. */
  data?: ChartColumns
  markers?: () => readonly ScalingMarker[]
  /** Said instead of a chart when there are no lines. */
  emptyText?: string
}

export function TimeChart({
  title,
  lines,
  format,
  minTop = 1,
  height = 160,
  read,
  subscribe,
  data,
  markers,
  emptyText = 'No data yet',
}: TimeChartProps) {
  const holder = useRef<HTMLDivElement>(null)
  const latest = useRef<HTMLSpanElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)
  const pushed = useRef(data)
  pushed.current = data
  const theme = useApp((state) => state.theme)
  const drawable = lines.length > 0 && canvasAvailable()

  useEffect(() => {
    const element = holder.current
    // The theme is read through the CSS variables below; it is a dependency so a switch redraws.
    if (!element || !drawable || !theme) return
    const color = (value: string) => resolveColor(element, value)
    const axis: uPlot.Axis = {
      stroke: color('var(--muted)'),
      grid: { stroke: color('var(--border)'), width: 1 },
      ticks: { stroke: color('var(--border)'), width: 1 },
    }
    const u = new uPlot(
      {
        width: Math.max(240, element.clientWidth),
        height,
        legend: { show: lines.length > 1 },
        cursor: { drag: { x: false, y: false } },
        scales: {
          x: { time: true },
          y: { range: (_u, _min, max) => [0, Math.max(minTop, (max ?? 0) * 1.1)] },
        },
        axes: [
          {
            ...axis,
            size: 28,
            space: 50,
            // One line of 24 h clock time; seconds only when ticks are less than a minute apart.
            values: (_u, splits, _axis, _space, increment) =>
              splits.map((s) => formatAxisClock(s, increment < 60)),
          },
          {
            ...axis,
            // Wide enough for the longest label ("1000 ms", "12.5 req/s"), which a fixed width cut off.
            size: (_u, values) => valueAxisWidth(values ?? []),
            values: (_u, values) => values.map((v) => format(v)),
          },
        ],
        series: [
          { value: (_u, v) => (v == null ? '–' : formatAxisClock(v, true)) },
          ...lines.map(
            (line): uPlot.Series => ({
              label: line.label,
              stroke: color(line.color),
              width: 1.5,
              points: { show: false },
              value: (_u, v) => (v == null ? '–' : format(v)),
              ...(line.stepped && { paths: uPlot.paths.stepped?.({ align: 1 }) }),
            }),
          ),
        ],
        plugins: markers ? [scalingMarkersPlugin(markers, color('var(--warn)'))] : [],
      },
      [[], ...lines.map(() => [])],
      element,
    )
    plot.current = u
    const draw = (columns: ChartColumns) => {
      u.setData(columns)
      if (latest.current) latest.current.textContent = latestText(columns, lines, format)
    }
    const update = () => read && draw(read())
    update()
    if (pushed.current) draw(pushed.current)
    const unsubscribe = subscribe?.(update)
    const resize =
      typeof ResizeObserver === 'undefined'
        ? undefined
        : new ResizeObserver(() => {
            if (element.clientWidth > 0) u.setSize({ width: element.clientWidth, height })
          })
    resize?.observe(element)
    return () => {
      unsubscribe?.()
      resize?.disconnect()
      u.destroy()
      plot.current = undefined
    }
  }, [drawable, theme, lines, format, minTop, height, read, subscribe, markers])

  useEffect(() => {
    if (data && plot.current) {
      plot.current.setData(data)
      if (latest.current) latest.current.textContent = latestText(data, lines, format)
    }
  }, [data, lines, format])

  return (
    <figure className="time-chart" aria-label={title}>
      <figcaption>
        <span className="time-chart-title">{title}</span>
        <span className="time-chart-latest" ref={latest} />
      </figcaption>
      {drawable ? (
        <div className="time-chart-plot" ref={holder} />
      ) : (
        <p className="muted time-chart-empty">{lines.length === 0 ? emptyText : 'Charts need a canvas.'}</p>
      )}
    </figure>
  )
}

/** "lab-1 12 % · lab-2 40 %" for a few lines; the newest non-empty value of each. */
function latestText(
  columns: ChartColumns,
  lines: readonly ChartLine[],
  format: (v: number) => string,
): string {
  if (lines.length > 3) return ''
  const parts: string[] = []
  lines.forEach((line, i) => {
    const column = columns[i + 1] ?? []
    for (let k = column.length - 1; k >= 0 && k >= column.length - 5; k--) {
      const value = column[k]
      if (value != null) {
        parts.push(lines.length === 1 ? format(value) : `${line.label} ${format(value)}`)
        return
      }
    }
  })
  return parts.join(' · ')
}

let canvas: boolean | undefined
/** False in DOMs without a 2D canvas (happy-dom in component tests): the chart says so instead. */
function canvasAvailable(): boolean {
  if (canvas === undefined) {
    try {
      canvas = document.createElement('canvas').getContext('2d') != null
    } catch {
      canvas = false
    }
  }
  return canvas
}

/** Pixels for the value axis: its longest tick label at ~7 px per character of uPlot's 12 px font, plus the ticks. */
export function valueAxisWidth(labels: readonly string[]): number {
  const longest = Math.max(0, ...labels.map((label) => label.length))
  return Math.max(40, Math.ceil(longest * 7 + 18))
}
