// Where an operation stands, in one sentence: the running step (announced politely), the success, or
// the failed step's message (announced at once) with what can be done about a changed host key.
import type { DeployProgress } from '../../../../../shared/domain/provision'
import { isHostKeyChanged } from './deploy-remedies'
import { failedStep, OPERATION_WORDS, runningText, successText } from './deploy-words'

interface Props {
  progress: DeployProgress
  vmName: string
  /** The host key was forgotten since this failure: the next try trusts the key the host shows. */
  hostKeyForgotten: boolean
  forgetting: boolean
  onForgetHostKey(): void
}

export function DeployOutcome({ progress, vmName, hostKeyForgotten, forgetting, onForgetHostKey }: Props) {
  if (progress.state === 'running')
    return (
      <p className="deploy-outcome is-running" role="status">
        {runningText(progress)}
      </p>
    )
  if (progress.state === 'succeeded')
    return (
      <p className="deploy-outcome is-succeeded" role="status">
        <span aria-hidden="true">✓ </span>
        {successText(progress.operation, vmName)}
      </p>
    )

  const step = failedStep(progress)
  const message = progress.error ?? step?.detail ?? 'The VIM gave no reason.'
  return (
    <div className="deploy-outcome is-failed">
      <div role="alert">
        <strong>
          {OPERATION_WORDS[progress.operation].failed}
          {step && ` at “${step.title}”`}
        </strong>
        <p className="deploy-outcome-message">{message}</p>
      </div>
      {isHostKeyChanged(progress) &&
        (hostKeyForgotten ? (
          <p role="status">The old host key is forgotten: the next try trusts the key the host shows now.</p>
        ) : (
          <div className="deploy-outcome-actions">
            <p className="small">
              If the host was reinstalled, forget the old key and try again. If not, someone may be
              intercepting the connection: check the host first.
            </p>
            <button type="button" className="ui-button" disabled={forgetting} onClick={onForgetHostKey}>
              {forgetting ? 'Forgetting…' : 'Forget host key'}
            </button>
          </div>
        ))}
    </div>
  )
}
