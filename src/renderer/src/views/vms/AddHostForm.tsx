// "Add SSH host / VirtualBox VM / Swarm node": checks the fields in the browser, then asks the VIM (vms:add).
// A new SSH host is offered its agent deploy at once; a Swarm node is joined to the Swarm over SSH (its
// deploy step); the VIM's refusal (e.g. no VirtualBox, Swarm mode off) shows as it said it.
import { type FormEvent, useEffect, useRef, useState } from 'react'
import type { VmInfo } from '../../../../shared/domain/cluster'
import { useApiClient } from '../../app-context'
import { useAction, useNotify } from '../../components/toasts/use-action'
import { checkHostDraft, EMPTY_HOST_DRAFT, type HostField as Field, type HostDraft } from './add-host-input'
import { HostField } from './HostField'
import { SshHostFields } from './SshHostFields'

interface Props {
  id: string
  /** Opens the agent panel of a host just added; `opener` gets the focus back when it closes. */
  onDeployAgent(vm: VmInfo, opener: HTMLElement): void
}

export function AddHostForm({ id, onDeployAgent }: Props) {
  const client = useApiClient()
  const run = useAction()
  const notify = useNotify()
  const [draft, setDraft] = useState<HostDraft>(EMPTY_HOST_DRAFT)
  const [submitted, setSubmitted] = useState(false)
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<string>()
  /** The SSH host this form added last, until the next submit: its deploy is one click away. */
  const [added, setAdded] = useState<VmInfo>()
  const form = useRef<HTMLFormElement>(null)
  const deployNow = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (added) deployNow.current?.focus()
  }, [added])
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
    onChange: (value: string) => change({ ...draft, [name]: value }),
  })
  const change = (next: HostDraft) => {
    setFailure(undefined)
    setDraft(next)
  }

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setSubmitted(true)
    setFailure(undefined)
    setAdded(undefined)
    if (!check.ok) return setRejections((n) => n + 1)
    const what = check.input.provider === 'virtualbox' ? check.input.vmName : check.input.address
    setBusy(true)
    const result = await run(`Could not add ${what}`, () => client.call('vms:add', check.input))
    setBusy(false)
    if (!result.ok) return setFailure(result.message)
    if (result.value.provider === 'ssh') setAdded(result.value)
    else if (result.value.provider === 'swarm')
      notify(`${result.value.name} joined the Swarm`, 'The workload service may place its tasks there now.')
    else notify(`${result.value.name} added`, 'It appears in the table; its agent connects once deployed.')
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
      <h2 id={`${id}-title`}>Add an SSH host, a VirtualBox VM or a Swarm node</h2>
      <fieldset className="choice">
        <legend>Kind</legend>
        <label>
          <input
            type="radio"
            name="host-kind"
            checked={draft.kind === 'ssh'}
            onChange={() => change({ ...draft, kind: 'ssh' })}
          />
          SSH host
        </label>
        <label>
          <input
            type="radio"
            name="host-kind"
            checked={draft.kind === 'virtualbox'}
            onChange={() => change({ ...draft, kind: 'virtualbox' })}
          />
          VirtualBox VM
        </label>
        <label>
          <input
            type="radio"
            name="host-kind"
            checked={draft.kind === 'swarm'}
            onChange={() => change({ ...draft, kind: 'swarm' })}
          />
          Swarm node
        </label>
      </fieldset>
      {draft.kind === 'swarm' && (
        <p className="muted">
          A host with Docker that joins the VIM’s Swarm as a worker: the VIM logs in over SSH, loads the
          workload image and runs <code>docker swarm join</code>. Switch Swarm mode on first.
        </p>
      )}
      {draft.kind !== 'virtualbox' ? (
        <SshHostFields draft={draft} field={field} onChange={change} />
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
      {failure && (
        <p className="form-error" role="alert">
          {failure}
        </p>
      )}
      {added && (
        <div className="form-note added-host">
          <p role="status">{added.name} added. Deploy its agent now, or later from its row in the table.</p>
          <button
            ref={deployNow}
            type="button"
            className="ui-button primary"
            onClick={(event) => onDeployAgent(added, event.currentTarget)}
          >
            Deploy agent now
          </button>
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="ui-button primary" disabled={busy}>
          {busy
            ? 'Adding…'
            : draft.kind === 'ssh'
              ? 'Add host'
              : draft.kind === 'swarm'
                ? 'Join the Swarm'
                : 'Add VM'}
        </button>
      </div>
    </form>
  )
}
