// The browser half of the renderer section of docs/BENCHMARKS.md: how the frame rate of the Topology
// page was measured, and this run's table (or why it was not measured).
import { loadavg } from 'node:os'
import { SNAPSHOT_INTERVAL_MS } from '../../src/main/api/event-feed'
import { chromiumAvailable } from '../../test/support/services'
import { frameTable } from './frame-stats'
import { measureRendererFps, type RendererFpsPlan, rendererFpsPlan } from './renderer-fps-bench'

export interface RendererFpsPart {
  method: string
  table: string
}

export async function rendererFpsPart({
  quick,
  log = () => {},
}: {
  quick: boolean
  log?: (line: string) => void
}): Promise<RendererFpsPart> {
  const plan = rendererFpsPlan(quick)
  const load = loadavg()[0]!
  if (!chromiumAvailable())
    return {
      method: rendererFpsMethod(plan, load, 'not found'),
      table: 'Frames per second: not measured, no Chromium (apt-get install chromium, or set ACS_CHROMIUM).',
    }
  try {
    const result = await measureRendererFps(plan, log)
    const notes = [
      result.fleet.connected < plan.agents
        ? `- Only ${result.fleet.connected} of ${plan.agents} agents were still connected at the end.`
        : '',
      result.pageProblems.length > 0
        ? `- The page reported: ${result.pageProblems.slice(0, 3).join('; ')}`
        : '',
    ].filter(Boolean)
    return {
      method: rendererFpsMethod(plan, load, result.chromium),
      table: [frameTable(result.windows), ...(notes.length > 0 ? ['', ...notes] : [])].join('\n'),
    }
  } catch (error) {
    return {
      method: rendererFpsMethod(plan, load, 'unknown'),
      table: `Frames per second: not measured, the run failed: ${(error as Error).message.split('\n')[0]}`,
    }
  }
}

export function rendererFpsMethod(plan: RendererFpsPlan, loadAverage: number, chromium: string): string {
  const nodes = 1 + plan.agents * (1 + plan.containersPerAgent)
  return [
    `Frames per second in a browser: a real VIM in headless mode (\`--lab 0\`, free ports, a throw-away data directory and`,
    `token) with ${plan.agents} simulated agents from the hub benchmark's fleet simulator joined to its hub over wss:// with the join`,
    `token, each reporting ${plan.containersPerAgent} ready containers once a second from a random phase, with CPU, in-flight requests and`,
    "rates changing in every report. The simulated agents ack the autoscaler's targets without following them, so most VMs",
    `show as draining, still with their containers. The UI receives a snapshot of all ${plan.agents} VMs at most every`,
    `${SNAPSHOT_INTERVAL_MS} ms. Debian's Chromium ${chromium}, driven by playwright-core, headless with \`--disable-gpu\`, so`,
    'rasterising and compositing run in software, on the same 2 cores as the VIM and the fleet, shows the Topology page (the',
    `graph and the charts under it) at ${plan.viewport.width}×${plan.viewport.height}. Once the graph counts all ${plan.agents} VMs, and after`,
    `${plan.warmupSeconds} s to settle, a script in the page measures ${plan.seconds} s: a frame is one requestAnimationFrame callback, the`,
    'main thread starting a frame. Headless Chromium starts at most 60 a second, so 60 is the ceiling and an interval over',
    '16.7 ms is a frame missed; the count says how often the page could show a change, not what a screen would display. Long',
    "tasks come from the 'longtask' PerformanceObserver (tasks over 50 ms); long animation frames (over 50 ms) are split into",
    'script, style and layout, and the rest, which is mostly paint. A snapshot is timed from its arrival on the event stream',
    "(a listener ahead of the app's own) to the DOM commit it causes in the graph (a MutationObserver, called right after",
    "React's commit), and to the next frame after that. Two views: the opening one (zoom 0.5 anchored at the VIM, so a few",
    'VMs\' columns; React Flow mounts only the nodes in view), then the graph\'s "Fit View" control with all',
    `${nodes} nodes in view, zoomed out below the readable 0.5, where the edges' dashes stop marching: they repainted every`,
    'edge on every frame.',
    `1-minute load average ${loadAverage.toFixed(2)} when this part started; other work on the machine lowers the figures.`,
  ].join(' ')
}
