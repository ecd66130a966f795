// The Scaling page: edit the VIM's scaling policy, see what it would do with the current load, and
// apply it (policy:set) or go back to what is applied.
import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react'
import type { VimSettings } from '../../../../shared/domain/settings'
import { useApiClient } from '../../app-context'
import { useAction, useNotify } from '../../components/toasts/use-action'
import { PolicyForm } from './PolicyForm'
import { PolicyPreviewPanel } from './PolicyPreviewPanel'
import { checkDraft, draftFromSettings, type PolicyDraft } from './policy-draft'

type Loaded = { applied: VimSettings; draft: PolicyDraft }

export function ScalingView() {
  const client = useApiClient()
  const run = useAction()
  const notify = useNotify()
  const [loaded, setLoaded] = useState<Loaded>()
  const [loadError, setLoadError] = useState<string>()
  const [serverError, setServerError] = useState<string>()
  const [applying, setApplying] = useState(false)

  const load = useCallback(async () => {
    setLoadError(undefined)
    const result = await run('Could not load the scaling policy', () => client.call('policy:get', {}))
    if (result.ok) setLoaded({ applied: result.value, draft: draftFromSettings(result.value) })
    else setLoadError(result.message)
  }, [client, run])
  useEffect(() => void load(), [load])

  const check = useMemo(() => loaded && checkDraft(loaded.draft, loaded.applied), [loaded])

  if (!loaded || !check) {
    return loadError ? (
      <div className="empty-state" role="alert">
        <h2>The scaling policy could not be loaded</h2>
        <p>{loadError}</p>
        <button type="button" className="ui-button" onClick={() => void load()}>
          Try again
        </button>
      </div>
    ) : (
      <p className="muted">Loading the scaling policy…</p>
    )
  }

  const { applied, draft } = loaded
  const edited = JSON.stringify(draft) !== JSON.stringify(draftFromSettings(applied))
  const canApply = check.valid && check.changed && !applying

  const apply = async (event: FormEvent) => {
    event.preventDefault()
    if (!check.valid || !canApply) return
    setApplying(true)
    setServerError(undefined)
    const { scaling, balancer } = check.settings
    const result = await run('Could not apply the policy', () =>
      client.call('policy:set', { scaling, balancer }),
    )
    setApplying(false)
    if (!result.ok) return setServerError(result.message)
    setLoaded({ applied: result.value, draft: draftFromSettings(result.value) })
    notify('Policy applied', 'The autoscaler uses it from its next evaluation.')
  }
  const revert = () => {
    setServerError(undefined)
    setLoaded({ applied, draft: draftFromSettings(applied) })
  }

  return (
    <div className="scaling-page">
      <form className="policy-form" aria-label="Scaling policy" noValidate onSubmit={apply}>
        <PolicyForm
          draft={draft}
          fieldErrors={check.valid ? {} : check.fieldErrors}
          onChange={(next) => setLoaded({ applied, draft: next })}
        />
        {!check.valid && check.formErrors.length > 0 && (
          <ul className="form-errors">
            {check.formErrors.map((message) => (
              <li key={message}>{message}</li>
            ))}
          </ul>
        )}
        {serverError && (
          <p className="form-error" role="alert">
            The VIM refused the policy: {serverError}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="ui-button primary" disabled={!canApply}>
            {applying ? 'Applying…' : 'Apply'}
          </button>
          <button type="button" className="ui-button" disabled={!edited || applying} onClick={revert}>
            Revert
          </button>
          <span className="muted" role="status">
            {!check.valid ? 'Fix the highlighted fields to apply.' : check.changed ? 'Not applied yet.' : ''}
          </span>
        </div>
      </form>
      <PolicyPreviewPanel
        edited={check.valid ? check.settings.scaling : undefined}
        applied={applied.scaling}
        changed={check.valid && check.changed}
      />
    </div>
  )
}
