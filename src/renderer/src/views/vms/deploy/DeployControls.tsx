// What the user decides before an operation: install Docker or not, the password or passphrase the VIM
// does not keep (held here only until it is sent), and start, try again, or uninstall after a confirmation.
import { type FormEvent, type KeyboardEvent, type Ref, useEffect, useRef, useState } from 'react'
import type { VmInfo } from '../../../../../shared/domain/cluster'
import type { DeployProgress } from '../../../../../shared/domain/provision'
import { HostField } from '../HostField'
import type { SecretKind } from './deploy-remedies'

export interface OneTimeSecret {
  password?: string
  passphrase?: string
}

export type Busy = 'start' | 'uninstall' | undefined

interface Props {
  vm: VmInfo
  /** The latest operation, finished (controls are not shown while one runs), or null. */
  progress: DeployProgress | null
  secretKind: SecretKind | undefined
  busy: Busy
  primaryButton: Ref<HTMLButtonElement>
  /** Each resolves true once the operation started, so the secret can be let go. */
  onStart(options: { installDocker: boolean } & OneTimeSecret): Promise<boolean>
  onUninstall(options: { removeContainers: boolean } & OneTimeSecret): Promise<boolean>
}

const SECRET_LABEL: Record<SecretKind, string> = { password: 'Password', passphrase: 'Key passphrase' }

export function DeployControls({
  vm,
  progress,
  secretKind,
  busy,
  primaryButton,
  onStart,
  onUninstall,
}: Props) {
  const [installDocker, setInstallDocker] = useState(false)
  const [removeContainers, setRemoveContainers] = useState(true)
  const [secret, setSecret] = useState('')
  const [secretError, setSecretError] = useState<string>()
  const [confirming, setConfirming] = useState(false)
  const secretInput = useRef<HTMLInputElement>(null)
  const confirmButton = useRef<HTMLButtonElement>(null)
  const uninstallButton = useRef<HTMLButtonElement>(null)
  // The confirmation takes the opener's place; keep the keyboard where the eye goes.
  const swapped = useRef(false)
  useEffect(() => {
    if (confirming) confirmButton.current?.focus()
    else if (swapped.current) uninstallButton.current?.focus()
    swapped.current = confirming
  }, [confirming])

  const retryUninstall = progress?.state === 'failed' && progress.operation === 'uninstall'
  const primaryLabel =
    progress?.state === 'failed' ? 'Try again' : vm.agent ? 'Start upgrade' : 'Start deploy'

  /** The secret to send, or undefined after naming what is missing next to the field. */
  const takeSecret = (): OneTimeSecret | undefined => {
    if (!secretKind) return {}
    if (!secret) {
      setSecretError(
        `Enter the ${secretKind === 'password' ? 'password' : 'key’s passphrase'}: the VIM does not keep it.`,
      )
      secretInput.current?.focus()
      return undefined
    }
    return { [secretKind]: secret }
  }

  const afterSend = (started: boolean) => {
    if (started) setSecret('')
  }

  const start = async (event: FormEvent) => {
    event.preventDefault()
    if (busy) return
    const oneTime = takeSecret()
    if (!oneTime) return
    if (retryUninstall) afterSend(await onUninstall({ removeContainers, ...oneTime }))
    else afterSend(await onStart({ installDocker, ...oneTime }))
  }

  const uninstall = async () => {
    const oneTime = takeSecret()
    if (!oneTime) return
    setConfirming(false)
    afterSend(await onUninstall({ removeContainers, ...oneTime }))
  }

  const cancelOnEscape = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return
    event.stopPropagation()
    setConfirming(false)
  }

  return (
    <form className="deploy-controls" aria-label="Options" noValidate onSubmit={start}>
      {!retryUninstall && (
        <div className="form-field inline">
          <input
            id="deploy-install-docker"
            type="checkbox"
            checked={installDocker}
            aria-describedby="deploy-install-docker-hint"
            onChange={(event) => setInstallDocker(event.target.checked)}
          />
          <label htmlFor="deploy-install-docker">Install Docker if missing</label>
          <span id="deploy-install-docker-hint" className="field-hint">
            Debian or Ubuntu (docker.io); needs sudo
          </span>
        </div>
      )}
      {secretKind && (
        <HostField
          ref={secretInput}
          id="deploy-secret"
          label={SECRET_LABEL[secretKind]}
          type="password"
          autoComplete="off"
          hint={
            vm.login?.secretProblem
              ? `The kept one cannot be read: ${vm.login.secretProblem}`
              : `For ${vm.login ? `${vm.login.user}@${vm.login.address}` : vm.name}, this time only: not kept.`
          }
          value={secret}
          error={secretError}
          onChange={(value) => {
            setSecret(value)
            setSecretError(undefined)
          }}
        />
      )}
      {confirming ? (
        <fieldset className="deploy-confirm" onKeyDown={cancelOnEscape}>
          <legend>Uninstall the agent from {vm.name}?</legend>
          <p className="small">
            Its service is stopped and removed; {vm.name} leaves the cluster until deployed again.
          </p>
          <div className="form-field inline">
            <input
              id="deploy-remove-containers"
              type="checkbox"
              checked={removeContainers}
              onChange={(event) => setRemoveContainers(event.target.checked)}
            />
            <label htmlFor="deploy-remove-containers">Also remove its containers</label>
          </div>
          <div className="form-actions">
            <button
              ref={confirmButton}
              type="button"
              className="ui-button danger"
              onClick={() => void uninstall()}
            >
              Uninstall from {vm.name}
            </button>
            <button type="button" className="ui-button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </fieldset>
      ) : (
        <div className="form-actions">
          <button
            ref={primaryButton}
            type="submit"
            className="ui-button primary"
            disabled={busy !== undefined}
          >
            {busy === 'start' ? 'Starting…' : primaryLabel}
          </button>
          <button
            ref={uninstallButton}
            type="button"
            className="ui-button"
            disabled={busy !== undefined}
            onClick={() => setConfirming(true)}
          >
            {busy === 'uninstall' ? 'Uninstalling…' : 'Uninstall agent'}
          </button>
        </div>
      )}
    </form>
  )
}
