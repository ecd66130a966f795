// "Swarm mode": switches the VIM between its own agents and a Docker Swarm it drives (one service whose
// replicas the shared policy sets), shows the Swarm's nodes, and says what Swarm mode off leaves behind.
import { type FormEvent, useCallback, useEffect, useState } from 'react'
import type { SwarmStatus } from '../../../../shared/domain/swarm'
import { useApiClient } from '../../app-context'
import { useAction, useNotify } from '../../components/toasts/use-action'
import { HostField } from './HostField'

export function SwarmBox() {
  const client = useApiClient()
  const run = useAction()
  const notify = useNotify()
  const [status, setStatus] = useState<SwarmStatus>()
  const [failed, setFailed] = useState<string>()
  const [advertise, setAdvertise] = useState('')
  const [busy, setBusy] = useState(false)

  const refresh = useCallback(
    () =>
      run('Could not read Swarm mode', () => client.call('swarm:get', {})).then((result) =>
        result.ok ? setStatus(result.value) : setFailed(result.message),
      ),
    [client, run],
  )
  useEffect(() => {
    void refresh()
  }, [refresh])

  const switchOn = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setBusy(true)
    const input = advertise.trim() ? { advertiseAddress: advertise.trim() } : {}
    const result = await run('Could not switch Swarm mode on', () => client.call('swarm:start', input))
    setBusy(false)
    if (!result.ok) return
    setStatus(result.value)
    notify('Swarm mode on', `The workload runs as service ${result.value.service}; add Swarm nodes below.`)
  }
  const switchOff = async () => {
    setBusy(true)
    const result = await run('Could not switch Swarm mode off', () => client.call('swarm:stop', {}))
    setBusy(false)
    if (result.ok) setStatus(result.value)
  }

  return (
    <section className="panel join-box" aria-labelledby="swarm-title">
      <h2 id="swarm-title">Swarm mode</h2>
      {!status ? (
        <p className="muted">{failed ?? 'Reading Swarm mode…'}</p>
      ) : status.mode === 'off' ? (
        <form onSubmit={switchOn}>
          <p className="muted">
            Run the workload as one Docker Swarm service on this machine’s Docker Engine and the hosts you
            join: the same limits, hardening and scaling policy; each node shows as a VM, each task as a
            container. A Swarm the VIM starts is left again when Swarm mode ends.
          </p>
          <HostField
            id="swarm-advertise"
            label="Manager address (optional)"
            placeholder="192.168.56.1"
            autoComplete="off"
            hint="An address of this machine the nodes reach; by default, its first one."
            value={advertise}
            error={undefined}
            onChange={setAdvertise}
          />
          {status.problem && <p className="form-error">{status.problem}</p>}
          <div className="form-actions">
            <button type="submit" className="ui-button primary" disabled={busy}>
              {busy ? 'Switching on…' : 'Switch Swarm mode on'}
            </button>
          </div>
        </form>
      ) : (
        <>
          <dl className="join-facts">
            <dt>Manager</dt>
            <dd>{status.managerAddress}</dd>
            <dt>Service</dt>
            <dd>
              {status.service} · {status.replicas} tasks
            </dd>
            <dt>Swarm</dt>
            <dd>
              {status.mode === 'owned'
                ? 'Started by the VIM: left by every node when Swarm mode ends.'
                : 'Found on this engine: only the VIM’s service is removed when Swarm mode ends.'}
            </dd>
          </dl>
          {status.problem && <p className="form-error">{status.problem}</p>}
          <div className="form-actions">
            <button type="button" className="ui-button" disabled={busy} onClick={() => void switchOff()}>
              {busy ? 'Switching off…' : 'Switch Swarm mode off'}
            </button>
          </div>
        </>
      )}
    </section>
  )
}
