// The built-in traffic generator: presets and custom values, one prominent button, and the run's live
// request rate, latency percentiles and errors, with a stop button.
import { useEffect, useState } from 'react'
import type { TrafficSnapshot } from '../../../../shared/domain/traffic'
import { useApiClient, useApp } from '../../app-context'
import { useAction } from '../../components/toasts/use-action'
import {
  type CustomTraffic,
  customProblems,
  DEFAULT_CUSTOM,
  isPreset,
  PRESET_LABELS,
  PRESETS,
  type Preset,
  presetPlan,
} from './traffic-presets'

export function TrafficView() {
  const client = useApiClient()
  const run = useAction()
  const proxyUrl = useApp((state) => state.cluster?.proxyUrl ?? null)
  const [preset, setPreset] = useState<Preset>('spike')
  const [custom, setCustom] = useState<CustomTraffic>(DEFAULT_CUSTOM)
  const [snapshot, setSnapshot] = useState<TrafficSnapshot | null>(null)
  const [busy, setBusy] = useState(false)
  const problems = customProblems(custom)
  const running = snapshot !== null && snapshot.state !== 'finished'

  useEffect(() => {
    let live = true
    client
      .call('traffic:status', {})
      .then((status) => {
        if (!live) return
        setSnapshot(status.snapshot)
        // Back on the page during a run: show the pattern that runs, not the default.
        const running = status.snapshot?.pattern
        if (status.running && isPreset(running)) setPreset(running)
      })
      .catch(() => {})
    const unsubscribe = client.onEvent((event) => {
      if (event.name === 'traffic:snapshot') setSnapshot(event.data)
    })
    return () => {
      live = false
      unsubscribe()
    }
  }, [client])

  const start = async () => {
    setBusy(true)
    const result = await run('Traffic did not start', () =>
      client.call('traffic:start', presetPlan(preset, custom)),
    )
    if (result.ok) setSnapshot(result.value.snapshot)
    setBusy(false)
  }
  const stop = async () => {
    setBusy(true)
    const result = await run('Traffic did not stop', () => client.call('traffic:stop', {}))
    if (result.ok) setSnapshot(result.value.snapshot)
    setBusy(false)
  }
  const field = (key: keyof CustomTraffic) => ({
    value: String(custom[key]),
    'aria-invalid': problems[key] ? true : undefined,
    onChange: (event: React.ChangeEvent<HTMLInputElement>) =>
      setCustom({ ...custom, [key]: Number(event.target.value) }),
  })

  return (
    <section className="traffic">
      <p className="muted">
        Sends user sessions to the cluster's front proxy{proxyUrl ? ` (${proxyUrl})` : ''}: each session holds
        about half a container's CPU while it lasts, so the cluster scales as sessions pile up.
      </p>
      <fieldset disabled={running || busy}>
        <legend>Pattern</legend>
        {PRESETS.map((id) => (
          <label key={id}>
            <input
              type="radio"
              name="preset"
              value={id}
              checked={preset === id}
              onChange={() => setPreset(id)}
            />
            {PRESET_LABELS[id]}
          </label>
        ))}
      </fieldset>
      <fieldset disabled={running || busy} className="traffic-custom">
        <legend>Custom values</legend>
        <label>
          Sessions per second <input type="number" step="0.1" min="0.1" {...field('rate')} />
        </label>
        <label>
          Duration (s) <input type="number" step="1" min="5" {...field('durationSeconds')} />
        </label>
        <label>
          Session length (s, 0 = plain requests){' '}
          <input type="number" step="1" min="0" {...field('sessionSeconds')} />
        </label>
        {Object.values(problems).map((problem) => (
          <p key={problem} className="field-error" role="alert">
            {problem}
          </p>
        ))}
      </fieldset>
      <div className="traffic-actions">
        {running ? (
          <button
            type="button"
            className="danger"
            onClick={stop}
            disabled={busy || snapshot?.state === 'stopping'}
          >
            Stop traffic
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={start}
            disabled={busy || Object.keys(problems).length > 0}
          >
            Generate traffic
          </button>
        )}
      </div>
      {snapshot ? <TrafficStats snapshot={snapshot} /> : <p className="muted">No traffic generated yet.</p>}
    </section>
  )
}

function TrafficStats({ snapshot }: { snapshot: TrafficSnapshot }) {
  const { interval, total } = snapshot
  const errors = Object.entries(snapshot.errors)
  const statuses = Object.entries(snapshot.statusCodes)
  return (
    <div className="traffic-stats" aria-live="polite" data-testid="traffic-stats" data-state={snapshot.state}>
      <p>
        <strong>
          {snapshot.state === 'finished' ? `Finished (${snapshot.endReason ?? 'done'})` : 'Running'}
        </strong>{' '}
        · {snapshot.elapsedSeconds.toFixed(0)} / {snapshot.durationSeconds.toFixed(0)} s · {snapshot.target}
      </p>
      <dl>
        <dt>Rate</dt>
        <dd>
          {interval.rate.toFixed(1)}/s answered, {interval.sentRate.toFixed(1)}/s sent
          {snapshot.intendedRate !== null && ` (scheduled ${snapshot.intendedRate.toFixed(1)}/s)`}
        </dd>
        <dt>Latency (last second)</dt>
        <dd>
          p50 {ms(interval.latencyMs.p50)} · p90 {ms(interval.latencyMs.p90)} · p99{' '}
          {ms(interval.latencyMs.p99)}
        </dd>
        <dt>Latency (whole run)</dt>
        <dd>
          p50 {ms(total.latencyMs.p50)} · p99 {ms(total.latencyMs.p99)} · max {ms(total.latencyMs.max)}
        </dd>
        <dt>Requests</dt>
        <dd>
          {snapshot.sent} sent, {snapshot.inFlight} in flight, {total.failed} failed
          {snapshot.unsent > 0 && `, ${snapshot.unsent} not sent (too many in flight)`}
        </dd>
        <dt>Status codes</dt>
        <dd>{statuses.length ? statuses.map(([code, n]) => `${code}: ${n}`).join(', ') : '—'}</dd>
        <dt>Errors</dt>
        <dd>{errors.length ? errors.map(([kind, n]) => `${kind}: ${n}`).join(', ') : 'none'}</dd>
      </dl>
    </div>
  )
}

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`)
