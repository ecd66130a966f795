// "Add SSH host / VirtualBox VM": checks the fields in the browser, then asks the VIM (vms:add), which
// answers plainly while those providers are not in this version yet. "Deploy agent" says the same.
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { useApiClient } from '../../app-context'
import { useAction, useNotify } from '../../components/toasts/use-action'
import {
  type AuthMethod,
  checkHostDraft,
  EMPTY_HOST_DRAFT,
  type HostField as Field,
  type HostDraft,
} from './add-host-input'
import { HostField } from './HostField'

export const DEPLOY_NOT_AVAILABLE =
  'Deploying the agent over SSH is not available in this version yet. Meanwhile, run the command under “How agents join” on the host.'

export function AddHostForm({ id }: { id: string }) {
  const client = useApiClient()
  const run = useAction()
  const notify = useNotify()
  const [draft, setDraft] = useState<HostDraft>(EMPTY_HOST_DRAFT)
  const [submitted, setSubmitted] = useState(false)
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<{ tone: 'error' | 'info'; message: string }>()
  const form = useRef<HTMLFormElement>(null)
  // After a rejected submit, take the keyboard to the first field to fix (once its message is shown).
  const [rejections, setRejections] = useState(0)
  useEffect(() => {
    if (rejections > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }, [rejections])

  const check = checkHostDraft(draft)
  const errors = submitted && !check.ok ? check.errors : {}
  const field = (name: Field) => ({
    id: `host-${name}`,
    value: draft[name],
    error: errors[name],
    onChange: (value: string) => {
      setOutcome(undefined)
      setDraft({ ...draft, [name]: value })
    },
  })

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setSubmitted(true)
    setOutcome(undefined)
    if (!check.ok) return setRejections((n) => n + 1)
    const what = check.input.provider === 'ssh' ? check.input.address : check.input.vmName
    setBusy(true)
    const result = await run(`Could not add ${what}`, () => client.call('vms:add', check.input))
    setBusy(false)
    if (!result.ok) return setOutcome({ tone: 'error', message: result.message })
    notify(`${result.value.name} added`, 'It appears in the table; its agent connects once deployed.')
    setDraft(EMPTY_HOST_DRAFT)
    setSubmitted(false)
  }

  return (
    <form
      ref={form}
      id={id}
      className="panel host-form"
      aria-labelledby={`${id}-title`}
      noValidate
      onSubmit={submit}
    >
      <h2 id={`${id}-title`}>Add an SSH host or a VirtualBox VM</h2>
      <fieldset className="choice">
        <legend>Kind</legend>
        <label>
          <input
            type="radio"
            name="host-kind"
            checked={draft.kind === 'ssh'}
            onChange={() => setDraft({ ...draft, kind: 'ssh' })}
          />
          SSH host
        </label>
        <label>
          <input
            type="radio"
            name="host-kind"
            checked={draft.kind === 'virtualbox'}
            onChange={() => setDraft({ ...draft, kind: 'virtualbox' })}
          />
          VirtualBox VM
        </label>
      </fieldset>
      {draft.kind === 'ssh' ? (
        <div className="form-grid">
          <HostField label="Address" placeholder="192.168.56.10" autoComplete="off" {...field('address')} />
          <HostField label="Port" inputMode="numeric" {...field('port')} />
          <HostField label="User" placeholder="ubuntu" autoComplete="off" {...field('user')} />
          <div className="form-field">
            <label htmlFor="host-auth">Authentication</label>
            <select
              id="host-auth"
              value={draft.auth}
              onChange={(event) => setDraft({ ...draft, auth: event.target.value as AuthMethod })}
            >
              <option value="key">Private key</option>
              <option value="password">Password</option>
              <option value="agent">SSH agent</option>
            </select>
          </div>
          {draft.auth === 'key' && (
            <HostField
              label="Private key path"
              placeholder="~/.ssh/id_ed25519"
              autoComplete="off"
              {...field('keyPath')}
            />
          )}
          {draft.auth === 'password' && (
            <HostField label="Password" type="password" autoComplete="off" {...field('password')} />
          )}
        </div>
      ) : (
        <div className="form-grid">
          <HostField label="VM name" placeholder="acs-vm-1" autoComplete="off" {...field('vmName')} />
          <HostField
            label="Clone from template (optional)"
            hint="A VM to clone; leave empty to use the named VM as it is."
            autoComplete="off"
            {...field('template')}
          />
        </div>
      )}
      {outcome && (
        <p
          className={outcome.tone === 'error' ? 'form-error' : 'form-note'}
          role={outcome.tone === 'error' ? 'alert' : 'status'}
        >
          {outcome.message}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="ui-button primary" disabled={busy}>
          {busy ? 'Adding…' : draft.kind === 'ssh' ? 'Add host' : 'Add VM'}
        </button>
        <button
          type="button"
          className="ui-button"
          onClick={() => setOutcome({ tone: 'info', message: DEPLOY_NOT_AVAILABLE })}
        >
          Deploy agent
        </button>
      </div>
    </form>
  )
}
