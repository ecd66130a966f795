// The SSH host part of the add-host form: how the VIM logs in, whether it keeps the secret, and how
// the cluster calls the host and how much it runs there.
import type { AuthMethod, HostField as Field, HostDraft } from './add-host-input'
import { MAX_HOST_CAPACITY } from './add-host-input'
import { HostField } from './HostField'

export const REMEMBER_LABEL =
  'Remember the password/passphrase (encrypted by the system keychain in the desktop app)'

interface Props {
  draft: HostDraft
  field(name: Field): {
    id: string
    value: string
    error: string | undefined
    onChange(value: string): void
  }
  onChange(draft: HostDraft): void
}

export function SshHostFields({ draft, field, onChange }: Props) {
  return (
    <div className="form-grid">
      <HostField label="Address" placeholder="192.168.56.10" autoComplete="off" {...field('address')} />
      <HostField label="Port" inputMode="numeric" {...field('port')} />
      <HostField label="User" placeholder="ubuntu" autoComplete="off" {...field('user')} />
      <div className="form-field">
        <label htmlFor="host-auth">Authentication</label>
        <select
          id="host-auth"
          value={draft.auth}
          onChange={(event) => onChange({ ...draft, auth: event.target.value as AuthMethod })}
        >
          <option value="key">Private key</option>
          <option value="password">Password</option>
          <option value="agent">SSH agent</option>
        </select>
      </div>
      {draft.auth === 'key' && (
        <>
          <HostField
            label="Private key path"
            placeholder="~/.ssh/id_ed25519"
            autoComplete="off"
            {...field('keyPath')}
          />
          <HostField
            label="Key passphrase (optional)"
            hint="Only for an encrypted key."
            type="password"
            autoComplete="off"
            {...field('passphrase')}
          />
        </>
      )}
      {draft.auth === 'password' && (
        <HostField label="Password" type="password" autoComplete="off" {...field('password')} />
      )}
      {/* A Swarm node is named by its host name, holds the service's tasks and logs in once. */}
      {draft.kind === 'ssh' && (
        <>
          <HostField
            label="Name (optional)"
            placeholder="lab-host-1"
            hint="How the cluster calls it; by default, from the address."
            autoComplete="off"
            {...field('name')}
          />
          <HostField
            label="Capacity (optional)"
            inputMode="numeric"
            hint={`Most containers it runs, 1 to ${MAX_HOST_CAPACITY}; by default, its cores ÷ the CPU per container.`}
            {...field('capacity')}
          />
          {draft.auth !== 'agent' && (
            <div className="form-field inline remember-secret">
              <input
                id="host-remember"
                type="checkbox"
                checked={draft.remember}
                onChange={(event) => onChange({ ...draft, remember: event.target.checked })}
              />
              <label htmlFor="host-remember">{REMEMBER_LABEL}</label>
            </div>
          )}
        </>
      )}
    </div>
  )
}
