// "How agents join": the hub's URL, the certificate fingerprint to pin and the join token (masked
// until revealed), and the command to run on a VM, ready to copy.
import { useEffect, useState } from 'react'
import type { HubInfo } from '../../../../shared/api/contract'
import { useApiClient } from '../../app-context'
import { useAction, useNotify } from '../../components/toasts/use-action'

const MASK = '••••••••••••'

/** The agent's command line (README: "Agents on your own VMs"); `vm-1` stands for the VM's name. */
export function joinCommand(hub: HubInfo, token: string): string {
  return `ACS_AGENT_TOKEN=${token} node vmm-agent.mjs --name vm-1 --cluster ${hub.clusterId} --vim ${joinUrl(hub)} --ca-fingerprint ${hub.fingerprint}`
}

/** The URL a VM dials: one another machine can reach, or this machine's own when there is none. */
function joinUrl(hub: HubInfo): string {
  return hub.joinUrls[0] ?? hub.url
}

export const LOOPBACK_ONLY =
  'This VIM listens on loopback only: agents on other machines cannot join. ' +
  'Restart it with --host ADDR (an address of this machine the VMs can reach, or 0.0.0.0).'

export function HubJoinBox() {
  const client = useApiClient()
  const run = useAction()
  const notify = useNotify()
  const [hub, setHub] = useState<HubInfo>()
  const [failed, setFailed] = useState<string>()
  const [revealed, setRevealed] = useState(false)

  useEffect(() => {
    void run('Could not read how agents join', () => client.call('hub:get', {})).then((result) =>
      result.ok ? setHub(result.value) : setFailed(result.message),
    )
  }, [client, run])

  const copy = async (what: string, text: string) => {
    const result = await run(`Could not copy the ${what}`, async () => {
      if (!navigator.clipboard)
        throw new Error('The clipboard is not available here: select the text and copy it.')
      await navigator.clipboard.writeText(text)
    })
    if (result.ok) notify('Copied', `The ${what} is on the clipboard.`)
  }

  return (
    <section className="panel join-box" aria-labelledby="join-title">
      <h2 id="join-title">How agents join</h2>
      {!hub ? (
        <p className="muted">{failed ?? 'Reading the hub’s address…'}</p>
      ) : (
        <>
          <p className="muted">
            On a VM with Node.js ≥ 18 and Docker, run the agent (<code>dist/vmm-agent.mjs</code>, built by{' '}
            <code>npm run build:agent</code>) with the join token; it pins the hub’s certificate.
          </p>
          <dl className="join-facts">
            <dt>{hub.joinUrls.length > 1 ? 'Hub URLs' : 'Hub URL'}</dt>
            <dd data-testid="hub-urls">
              {hub.joinUrls.length === 0 ? (
                <>
                  <code>{hub.url}</code>
                  <p className="join-warning" role="note">
                    {LOOPBACK_ONLY}
                  </p>
                </>
              ) : (
                hub.joinUrls.map((url) => (
                  <code key={url} className="join-url">
                    {url}
                  </code>
                ))
              )}
            </dd>
            <dt>Certificate fingerprint</dt>
            <dd>
              <code className="wrap">{hub.fingerprint}</code>
            </dd>
            <dt>Join token</dt>
            <dd className="token-row">
              <code data-testid="join-token">{revealed ? hub.joinToken : MASK}</code>
              <button
                type="button"
                className="ui-button small"
                aria-pressed={revealed}
                onClick={() => setRevealed(!revealed)}
              >
                {revealed ? 'Hide' : 'Reveal'}
              </button>
              <button
                type="button"
                className="ui-button small"
                onClick={() => void copy('join token', hub.joinToken)}
              >
                Copy token
              </button>
            </dd>
          </dl>
          <h3 className="small-heading">Command to run on the VM</h3>
          <div className="command-box">
            <pre>
              <code>{joinCommand(hub, revealed ? hub.joinToken : MASK)}</code>
            </pre>
            <button
              type="button"
              className="ui-button small"
              onClick={() => void copy('command', joinCommand(hub, hub.joinToken))}
            >
              Copy command
            </button>
          </div>
          <p className="muted small">
            Replace vm-1 with the VM’s name
            {hub.joinUrls.length > 1 ? ', and the hub URL with one the VM can reach' : ''}. Keep the token
            secret: it lets a machine join.
          </p>
        </>
      )}
    </section>
  )
}
