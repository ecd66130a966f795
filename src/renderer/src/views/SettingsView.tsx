// The Settings page: the theme, the lab's keep-containers switch (saved at once, used at the next stop),
// where this VIM listens and how agents join it, and the cluster as Kubernetes YAML.
import { useCallback, useEffect, useState } from 'react'
import type { HubInfo } from '../../../shared/api/contract'
import { useApiClient, useApp } from '../app-context'
import { useAction, useNotify } from '../components/toasts/use-action'
import type { ThemeChoice } from '../store/app-store'

const THEMES: { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'Follow the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

export function SettingsView() {
  const theme = useApp((state) => state.theme)
  const setTheme = useApp((state) => state.setTheme)
  const client = useApiClient()
  return (
    <section className="settings">
      <fieldset>
        <legend>Theme</legend>
        {THEMES.map(({ value, label }) => (
          <label key={value}>
            <input
              type="radio"
              name="theme"
              value={value}
              checked={theme === value}
              onChange={() => setTheme(value)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <LabSettings />
      <ClusterInfo />
      <KubernetesExport />
      <p className="muted">
        Connected over {client.transport === 'ipc' ? 'the desktop bridge' : 'HTTP and WebSocket'}.
      </p>
    </section>
  )
}

function LabSettings() {
  const client = useApiClient()
  const run = useAction()
  const notify = useNotify()
  const [keep, setKeep] = useState<boolean>()
  const [saving, setSaving] = useState(false)
  const load = useCallback(async () => {
    const result = await run('Could not load the settings', () => client.call('policy:get', {}))
    if (result.ok) setKeep(result.value.lab.keepContainers)
  }, [client, run])
  useEffect(() => void load(), [load])

  const change = async (next: boolean) => {
    // Shown at once; put back if the VIM refuses it.
    const before = keep
    setKeep(next)
    setSaving(true)
    const result = await run('Could not save the lab setting', () =>
      client.call('policy:set', { lab: { keepContainers: next } }),
    )
    setSaving(false)
    if (!result.ok) return setKeep(before)
    setKeep(result.value.lab.keepContainers)
    notify(
      'Lab setting saved',
      next
        ? 'When the app stops, the lab’s containers keep running and are adopted at the next start.'
        : 'When the app stops, the lab’s containers stop with it.',
    )
  }

  return (
    <fieldset>
      <legend>Lab</legend>
      <label>
        <input
          type="checkbox"
          checked={keep ?? false}
          disabled={keep === undefined || saving}
          onChange={(event) => void change(event.target.checked)}
        />
        Keep the lab’s containers running when the app stops
      </label>
      <p className="muted">Used at the next stop; kept containers are adopted at the next start.</p>
    </fieldset>
  )
}

function ClusterInfo() {
  const client = useApiClient()
  const run = useAction()
  const proxyUrl = useApp((state) => state.cluster?.proxyUrl ?? null)
  const [hub, setHub] = useState<HubInfo>()
  const [showToken, setShowToken] = useState(false)
  useEffect(() => {
    void run('Could not load the hub', () => client.call('hub:get', {})).then((result) => {
      if (result.ok) setHub(result.value)
    })
  }, [client, run])
  const copy = (text: string) => void navigator.clipboard?.writeText(text)

  return (
    <fieldset className="cluster-info">
      <legend>This cluster</legend>
      <dl>
        <dt>Cluster id</dt>
        <dd>{hub?.clusterId ?? '…'}</dd>
        <dt>Front proxy</dt>
        <dd>{proxyUrl ?? 'not listening'}</dd>
        <dt>Hub (agents join here)</dt>
        <dd>{hub?.url ?? '…'}</dd>
        <dt>Certificate fingerprint</dt>
        <dd className="long-value">{hub?.fingerprint ?? '…'}</dd>
        <dt>Join token</dt>
        <dd>
          {hub === undefined ? (
            '…'
          ) : (
            <>
              <code>{showToken ? hub.joinToken : '•'.repeat(12)}</code>{' '}
              <button type="button" className="ui-button" onClick={() => setShowToken((shown) => !shown)}>
                {showToken ? 'Hide' : 'Show'}
              </button>{' '}
              <button type="button" className="ui-button" onClick={() => copy(hub.joinToken)}>
                Copy
              </button>
            </>
          )}
        </dd>
      </dl>
    </fieldset>
  )
}

function KubernetesExport() {
  const client = useApiClient()
  const run = useAction()
  const [notes, setNotes] = useState<string[]>()
  const download = async () => {
    const result = await run('Could not export the cluster', () => client.call('export:kubernetes', {}))
    if (!result.ok) return
    setNotes(result.value.notes)
    const url = URL.createObjectURL(new Blob([result.value.yaml], { type: 'application/yaml' }))
    const link = document.createElement('a')
    link.href = url
    link.download = 'auto-cloud-scaler-kubernetes.yaml'
    link.click()
    // The download has its own reference once started; the URL is only freed a little later.
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  }
  return (
    <fieldset>
      <legend>Kubernetes</legend>
      <p className="muted">
        The workload and this scaling policy as a Deployment, Service, HorizontalPodAutoscaler and
        PodDisruptionBudget.
      </p>
      <button type="button" className="ui-button" onClick={() => void download()}>
        Export to Kubernetes YAML
      </button>
      {notes && (
        <ul className="export-notes" aria-label="What Kubernetes cannot say">
          {notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </fieldset>
  )
}
