// A uPlot plugin that marks scaling decisions on the time axis: a dashed vertical line per decision,
// with a small notch under the plot, so a change in replicas lines up with what caused it.
import type uPlot from 'uplot'
import type { ScalingMarker } from './metrics-history'

export function scalingMarkersPlugin(markers: () => readonly ScalingMarker[], color: string): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u) => {
          const min = u.scales.x?.min
          const max = u.scales.x?.max
          if (min == null || max == null) return
          const { ctx, bbox } = u
          const pixel = window.devicePixelRatio || 1
          ctx.save()
          ctx.strokeStyle = color
          ctx.fillStyle = color
          ctx.lineWidth = pixel
          ctx.setLineDash([4 * pixel, 3 * pixel])
          for (const marker of markers()) {
            if (marker.atSec < min || marker.atSec > max) continue
            const x = Math.round(u.valToPos(marker.atSec, 'x', true))
            ctx.beginPath()
            ctx.moveTo(x, bbox.top)
            ctx.lineTo(x, bbox.top + bbox.height)
            ctx.stroke()
            ctx.beginPath()
            ctx.moveTo(x - 4 * pixel, bbox.top + bbox.height)
            ctx.lineTo(x + 4 * pixel, bbox.top + bbox.height)
            ctx.lineTo(x, bbox.top + bbox.height - 6 * pixel)
            ctx.fill()
          }
          ctx.restore()
        },
      ],
    },
  }
}
