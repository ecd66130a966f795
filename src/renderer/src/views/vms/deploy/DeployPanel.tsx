// The agent panel of one VM: deploy, upgrade or uninstall its agent over SSH and watch it happen, step
// by step with the live log. A side panel, not a modal: the deploy runs on in the VIM when it closes,
// and the page's toasts stay reachable. It takes the focus when it opens; Escape closes it.
import './deploy.css'
import { type KeyboardEvent, useEffect, useRef, useState } from 'react'
import type { VmInfo } from '../../../../../shared/domain/cluster'
import type { DeployProgress } from '../../../../../shared/domain/provision'
import { useApiClient, useApp } from '../../../app-context'
import { useAction } from '../../../components/toasts/use-action'
import { NO_DEPLOY_RUN } from '../../../store/deploy-runs'
import { type Busy, DeployControls } from './DeployControls'
import { DeployLog } from './DeployLog'
import { DeployOutcome } from './DeployOutcome'
import { DeploySteps } from './DeploySteps'
import { secretToAsk } from './deploy-remedies'
import { loginSummary, OPERATION_WORDS } from './deploy-words'

export function DeployPanel({ vm, onClose }: { vm: VmInfo; onClose(): void }) {
  const client = useApiClient()
  const run = useAction()
  const deployRun = useApp((state) => state.deployRuns[vm.name]) ?? NO_DEPLOY_RUN
  const mergeDeployState = useApp((state) => state.mergeDeployState)
  const [loaded, setLoaded] = useState(false)
  const [busy, setBusy] = useState<Busy>()
  const [forgetting, setForgetting] = useState(false)
  /** When the operation whose changed host key was forgotten started. */
  const [keyForgottenFor, setKeyForgottenFor] = useState<number>()
  const heading = useRef<HTMLHeadingElement>(null)
  const primaryButton = useRef<HTMLButtonElement>(null)
  const { progress } = deployRun

  useEffect(() => heading.current?.focus(), [])

  // What ran so far, in case the deploy started before this page was (re)loaded.
  useEffect(() => {
    let open = true
    void run(`Could not read the last deploy of ${vm.name}`, () =>
      client.call('deploy:get', { id: vm.name }),
    ).then((result) => {
      if (result.ok) mergeDeployState(vm.name, result.value)
      if (open) setLoaded(true)
    })
    return () => {
      open = false
    }
  }, [client, run, mergeDeployState, vm.name])

  const begin = async (
    kind: Exclude<Busy, undefined>,
    title: string,
    call: () => Promise<DeployProgress>,
  ) => {
    setBusy(kind)
    const result = await run(title, call)
    setBusy(undefined)
    if (result.ok) mergeDeployState(vm.name, { progress: result.value, log: [] })
    return result.ok
  }

  const forgetHostKey = async () => {
    if (!progress) return
    setForgetting(true)
    const result = await run(`Could not forget the host key of ${vm.name}`, () =>
      client.call('vms:forgetHostKey', { id: vm.name }),
    )
    setForgetting(false)
    if (!result.ok) return
    setKeyForgottenFor(progress.startedAt)
    primaryButton.current?.focus()
  }

  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onClose()
  }

  const running = progress?.state === 'running'
  const lastFailure = progress?.state === 'failed' ? progress : null
  return (
    <section
      className="deploy-panel"
      role="dialog"
      aria-labelledby="deploy-panel-title"
      onKeyDown={closeOnEscape}
    >
      <header className="deploy-panel-header">
        <h2 id="deploy-panel-title" ref={heading} tabIndex={-1}>
          Agent on {vm.name}
        </h2>
        <button type="button" className="ui-button small" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="deploy-panel-body">
        <dl className="deploy-facts">
          <dt>Login</dt>
          <dd>{vm.login ? loginSummary(vm.login) : <span className="muted">none known to the VIM</span>}</dd>
          {vm.login?.hostKeyFingerprint && (
            <>
              <dt>Host key</dt>
              <dd>
                <code className="wrap">{vm.login.hostKeyFingerprint}</code>
              </dd>
            </>
          )}
          <dt>Agent</dt>
          <dd>
            {vm.agent ? `${vm.agent.version}, connected` : <span className="muted">not connected</span>}
          </dd>
        </dl>
        {!progress && loaded && (
          <p className="muted small">
            The VIM logs in over SSH, installs the agent as a service and waits for it to join the hub; each
            step and its output show here.
          </p>
        )}
        {progress && (
          <DeployOutcome
            progress={progress}
            vmName={vm.name}
            hostKeyForgotten={keyForgottenFor === progress.startedAt}
            forgetting={forgetting}
            onForgetHostKey={() => void forgetHostKey()}
          />
        )}
        {running ? (
          <p className="muted small">
            You can close this panel: {OPERATION_WORDS[progress.operation].running.toLowerCase()} goes on in
            the VIM, and the VM’s row shows it.
          </p>
        ) : loaded ? (
          <DeployControls
            vm={vm}
            progress={progress}
            secretKind={secretToAsk(vm.login, lastFailure)}
            busy={busy}
            primaryButton={primaryButton}
            onStart={(options) =>
              begin('start', `Could not deploy the agent to ${vm.name}`, () =>
                client.call('deploy:start', { id: vm.name, ...options }),
              )
            }
            onUninstall={(options) =>
              begin('uninstall', `Could not uninstall the agent from ${vm.name}`, () =>
                client.call('deploy:uninstall', { id: vm.name, ...options }),
              )
            }
          />
        ) : (
          <p className="muted">Reading the last deploy…</p>
        )}
        {progress && <DeploySteps steps={progress.steps} />}
        {progress && <DeployLog lines={deployRun.log} truncated={deployRun.truncated} />}
      </div>
    </section>
  )
}
