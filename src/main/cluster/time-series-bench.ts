// What keeping the charts' history costs the VIM: one 1 Hz report round for N VMs × M containers,
// timed over simulated seconds, with the garbage collections it caused (none means no allocation).
import { PerformanceObserver } from 'node:perf_hooks'
import { ClusterSeries, type ContainerSample, DEFAULT_SERIES_SECONDS, type VmSample } from './time-series'

export interface SeriesAppendBenchOptions {
  vms?: number
  containersPerVm?: number
  /** Simulated seconds measured, after as many again to fill the rings and warm the JIT. */
  seconds?: number
}

export interface SeriesAppendBenchResult {
  vms: number
  containers: number
  /** Ring appends per simulated second (one per VM and one per container). */
  appendsPerSecond: number
  seconds: number
  /** Wall time one simulated second of appends took, on average. */
  microsPerSecond: number
  nanosPerAppend: number
  /** That cost as a share of one CPU core at 1 Hz. */
  corePercent: number
  /** Garbage collections observed while measuring. */
  gcCount: number
  /** Memory held by the rings. */
  retainedBytes: number
}

export async function measureSeriesAppendCost(
  options: SeriesAppendBenchOptions = {},
): Promise<SeriesAppendBenchResult> {
  const { vms = 50, containersPerVm = 10, seconds = 3600 } = options
  const series = new ClusterSeries(DEFAULT_SERIES_SECONDS)
  const vmIds = Array.from({ length: vms }, (_, v) => `vm-${v}`)
  const containerIds = Array.from({ length: containersPerVm }, (_, c) => `c-${c}`)
  // Reused on purpose: the caller's report objects already exist, so only the append itself is measured.
  const vmSample = {
    cpuPercent: 0,
    memoryBytes: 0,
    replicas: 0,
    readyReplicas: 0,
    requestRate: 0,
    latencyMsP50: 0,
    latencyMsP95: 0,
    errorRate: 0,
  } satisfies VmSample
  const containerSample = { cpuPercent: 0, memoryBytes: 0 } satisfies ContainerSample
  const start = Date.UTC(2025, 0, 1)

  const round = (second: number) => {
    const at = start + second * 1000
    for (let v = 0; v < vms; v++) {
      const vmId = vmIds[v]!
      vmSample.cpuPercent = (second + v) % 100
      vmSample.memoryBytes = 1e9 + second
      vmSample.requestRate = second % 50
      series.recordVm(vmId, at, vmSample)
      for (let c = 0; c < containersPerVm; c++) {
        containerSample.cpuPercent = (second + c) % 100
        containerSample.memoryBytes = 1e8 + c
        series.recordContainer(vmId, containerIds[c]!, at, containerSample)
      }
    }
  }

  for (let s = 0; s < seconds; s++) round(s)

  let gcCount = 0
  const observer = new PerformanceObserver((list) => {
    gcCount += list.getEntries().length
  })
  observer.observe({ entryTypes: ['gc'] })
  const began = process.hrtime.bigint()
  for (let s = seconds; s < 2 * seconds; s++) round(s)
  const elapsedNs = Number(process.hrtime.bigint() - began)
  // GC entries are delivered asynchronously; let them arrive before counting.
  await new Promise((resolve) => setTimeout(resolve, 50))
  observer.disconnect()

  const appendsPerSecond = vms * (1 + containersPerVm)
  const microsPerSecond = elapsedNs / seconds / 1000
  return {
    vms,
    containers: vms * containersPerVm,
    appendsPerSecond,
    seconds,
    microsPerSecond,
    nanosPerAppend: elapsedNs / (seconds * appendsPerSecond),
    corePercent: microsPerSecond / 1e4,
    gcCount,
    retainedBytes: series.stats().bytes,
  }
}
