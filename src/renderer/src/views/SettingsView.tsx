// The Settings page: the theme, the lab (keep containers at the next stop; VMs, runtime, name prefix and
// data plane at the next start), where this VIM listens and how agents join it, the settings as a file,
// and the cluster as Kubernetes YAML.
import { useEffect, useState } from 'react'
import type { HubInfo } from '../../../shared/api/contract'
import { useApiClient, useApp } from '../app-context'
import { useAction } from '../components/toasts/use-action'
import type { ThemeChoice } from '../store/app-store'
import { LabSettings } from './settings/LabSettings'
import { downloadText, SettingsTransfer } from './settings/SettingsTransfer'

const THEMES: { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'Follow the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

export function SettingsView() {
  const theme = useApp((state) => state.theme)
  const setTheme = useApp((state) => state.setTheme)
  const client = useApiClient()
  // An import changes the saved settings under the lab form: it loads them again.
  const [imports, setImports] = useState(0)
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
      <LabSettings key={imports} />
      <ClusterInfo />
      <SettingsTransfer onImported={() => setImports((n) => n + 1)} />
      <KubernetesExport />
      <p className="muted">
        Connected over {client.transport === 'ipc' ? 'the desktop bridge' : 'HTTP and WebSocket'}.
      </p>
    </section>
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
    downloadText(result.value.yaml, 'auto-cloud-scaler-kubernetes.yaml', 'application/yaml')
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
