// One VM's or container's recent series from the core (series:get), fetched again every few seconds
// while a details panel shows it.
import { useEffect, useState } from 'react'
import type { SeriesResponse } from '../../../../shared/domain/time-series'
import { useApiClient } from '../../app-context'
import { errorMessage } from '../../components/error-message'
import type { ChartColumns } from './metrics-history'

export interface PolledSeries {
  series?: SeriesResponse
  error?: string
}

export function usePolledSeries(
  vmId: string,
  containerId?: string,
  { seconds = 300, intervalMs = 2000 }: { seconds?: number; intervalMs?: number } = {},
): PolledSeries {
  const client = useApiClient()
  const [state, setState] = useState<PolledSeries>({})
  useEffect(() => {
    let stopped = false
    const load = () =>
      client
        .call('series:get', {
          vmId,
          ...(containerId !== undefined && { containerId }),
          fromMs: Math.max(0, Date.now() - seconds * 1000),
        })
        .then((series) => !stopped && setState({ series }))
        .catch((error: unknown) => !stopped && setState((s) => ({ ...s, error: errorMessage(error) })))
    void load()
    const timer = setInterval(load, intervalMs)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [client, vmId, containerId, seconds, intervalMs])
  return state
}

/** The core's milliseconds to uPlot's seconds, with the chosen value columns. */
export function toColumns(times: readonly number[], ...values: (number | null)[][]): ChartColumns {
  return [times.map((t) => t / 1000), ...values]
}
