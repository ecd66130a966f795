// The Settings page's lab: keep-containers (saved at once, used at the next stop), and what the next start
// takes (VMs, runtime, name prefix, data plane) beside what this run took and what decided it.
import { type FormEvent, useCallback, useEffect, useState } from 'react'
import type { EffectiveSettings } from '../../../../shared/api/contract'
import {
  LAB_RUNTIMES,
  type LabRuntime,
  MAX_LAB_VMS,
  type VimSettings,
} from '../../../../shared/domain/settings'
import { DATA_PLANES, type DataPlaneKind } from '../../../../shared/haproxy/data-plane'
import { useApiClient } from '../../app-context'
import { useAction, useNotify } from '../../components/toasts/use-action'

type NextStart = { vms: string; runtime: string; namePrefix: string; dataPlane: string }

const RUNTIME_TEXT: Record<LabRuntime, string> = {
  auto: 'Docker where it answers, else processes',
  docker: 'Docker',
  process: 'Processes (no isolation)',
}
const PLANE_TEXT: Record<DataPlaneKind, string> = {
  embedded: 'Embedded (Node)',
  haproxy: 'HAProxy, where installed',
}

function nextStartOf(settings: VimSettings, effective: EffectiveSettings | undefined): NextStart {
  return {
    vms: String(settings.lab.vms ?? ''),
    runtime: settings.lab.runtime ?? '',
    namePrefix: settings.lab.namePrefix ?? '',
    dataPlane: settings.proxy.dataPlane ?? effective?.dataPlane ?? 'embedded',
  }
}

export function LabSettings() {
  const client = useApiClient()
  const run = useAction()
  const notify = useNotify()
  const [settings, setSettings] = useState<VimSettings>()
  const [effective, setEffective] = useState<EffectiveSettings>()
  const [draft, setDraft] = useState<NextStart>()
  const [saving, setSaving] = useState(false)
  const load = useCallback(async () => {
    const [saved, now] = await Promise.all([
      run('Could not load the settings', () => client.call('policy:get', {})),
      run('Could not load the settings in effect', () => client.call('settings:effective', {})),
    ])
    if (now.ok) setEffective(now.value)
    if (saved.ok) {
      setSettings(saved.value)
      setDraft(nextStartOf(saved.value, now.ok ? now.value : undefined))
    }
  }, [client, run])
  useEffect(() => void load(), [load])

  const save = async (
    patch: Parameters<typeof client.call<'policy:set'>>[1],
    title: string,
    message: string,
  ) => {
    setSaving(true)
    const result = await run('Could not save the lab settings', () => client.call('policy:set', patch))
    setSaving(false)
    if (!result.ok) return false
    setSettings(result.value)
    notify(title, message)
    return true
  }

  const changeKeep = async (next: boolean) => {
    if (!settings) return
    // Shown at once; put back if the VIM refuses it.
    const before = settings
    setSettings({ ...settings, lab: { ...settings.lab, keepContainers: next } })
    const saved = await save(
      { lab: { keepContainers: next } },
      'Lab setting saved',
      next
        ? 'When the app stops, the lab’s containers keep running and are adopted at the next start.'
        : 'When the app stops, the lab’s containers stop with it.',
    )
    if (!saved) setSettings(before)
  }

  const saveNextStart = async (event: FormEvent) => {
    event.preventDefault()
    if (!draft) return
    const lab = {
      ...(draft.vms !== '' && { vms: Number(draft.vms) }),
      ...(draft.runtime !== '' && { runtime: draft.runtime as LabRuntime }),
      ...(draft.namePrefix.trim() !== '' && { namePrefix: draft.namePrefix.trim() }),
    }
    await save(
      { lab, proxy: { dataPlane: draft.dataPlane as DataPlaneKind } },
      'Saved for the next start',
      'The lab and data plane change when the app starts again; a command-line option still wins.',
    )
  }

  const field = (key: keyof NextStart) => ({
    value: draft?.[key] ?? '',
    disabled: draft === undefined || saving,
    onChange: (event: { target: { value: string } }) =>
      setDraft((current) => current && { ...current, [key]: event.target.value }),
  })
  const lab = effective?.lab

  return (
    <fieldset className="lab-settings">
      <legend>Lab</legend>
      <label>
        <input
          type="checkbox"
          checked={settings?.lab.keepContainers ?? false}
          disabled={settings === undefined || saving}
          onChange={(event) => void changeKeep(event.target.checked)}
        />
        Keep the lab’s containers running when the app stops
      </label>
      <p className="muted">Used at the next stop; kept containers are adopted at the next start.</p>

      <form
        className="next-start"
        onSubmit={(event) => void saveNextStart(event)}
        aria-label="At the next start"
      >
        <h3>At the next start</h3>
        <div className="form-field">
          <label htmlFor="lab-vms">Lab VMs</label>
          <input
            id="lab-vms"
            type="number"
            min={0}
            max={MAX_LAB_VMS}
            step={1}
            placeholder="2"
            {...field('vms')}
          />
        </div>
        <div className="form-field">
          <label htmlFor="lab-runtime">Container runtime</label>
          <select id="lab-runtime" {...field('runtime')}>
            <option value="">Default (auto)</option>
            {LAB_RUNTIMES.map((runtime) => (
              <option key={runtime} value={runtime}>
                {RUNTIME_TEXT[runtime]}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor="lab-prefix">VM name prefix</label>
          <input
            id="lab-prefix"
            type="text"
            maxLength={59}
            placeholder={lab?.namePrefix ?? 'lab-xxxx'}
            {...field('namePrefix')}
          />
        </div>
        <div className="form-field">
          <label htmlFor="data-plane">Data plane</label>
          <select id="data-plane" {...field('dataPlane')}>
            {DATA_PLANES.map((plane) => (
              <option key={plane} value={plane}>
                {PLANE_TEXT[plane]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="ui-button" disabled={draft === undefined || saving}>
          Save for the next start
        </button>
      </form>

      {effective && lab && (
        <dl aria-label="In effect now">
          <dt>Lab now</dt>
          <dd>
            {lab.vms === 0 ? 'off' : `${lab.vms} VM${lab.vms === 1 ? '' : 's'} (${lab.namePrefix}-1…)`}{' '}
            <span className="muted">— {lab.from.vms}</span>
          </dd>
          <dt>Runtime now</dt>
          <dd>
            {RUNTIME_TEXT[lab.runtime]} <span className="muted">— {lab.from.runtime}</span>
          </dd>
          <dt>Data plane now</dt>
          <dd>{PLANE_TEXT[effective.dataPlane]}</dd>
          <dt>Data directory</dt>
          <dd className="long-value">
            <code>{effective.dataDir}</code>
          </dd>
        </dl>
      )}
    </fieldset>
  )
}
