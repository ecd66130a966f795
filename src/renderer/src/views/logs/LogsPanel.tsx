// A live log: a container's output or an agent's own log, read from the VM's agent once a second while
// the panel is open (nothing is sent when nobody looks). Search narrows the lines, Copy takes what is
// shown, and scrolling up pauses the following until the user comes back to the bottom.
import './logs.css'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { LogLine } from '../../../../shared/protocol/messages'
import { useApiClient } from '../../app-context'
import { failureMessage } from '../../components/toasts/use-action'
import { appendLines, asText, matching } from './log-buffer'

/** A line as the panel keeps it: numbered as it arrived, which is what React keys it by. */
type PanelLine = LogLine & { seq: number }

const POLL_MS = 1000
const FIRST_TAIL = 200

export function LogsPanel({
  vmId,
  containerId,
  title,
}: {
  vmId: string
  containerId?: string
  title: string
}) {
  const client = useApiClient()
  const [lines, setLines] = useState<PanelLine[]>([])
  const [problem, setProblem] = useState<string>()
  const [search, setSearch] = useState('')
  const [following, setFollowing] = useState(true)
  const body = useRef<HTMLPreElement>(null)

  useEffect(() => {
    let stopped = false
    let last: number | undefined
    let seq = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const read = async () => {
      try {
        const { lines: more } = await client.call('logs:get', {
          id: vmId,
          ...(containerId !== undefined && { containerId }),
          ...(last === undefined ? { tail: FIRST_TAIL } : { sinceMs: last }),
        })
        if (stopped) return
        if (more.length > 0) last = more[more.length - 1]?.at
        setLines((current) =>
          appendLines(
            current,
            more.map((line) => ({ ...line, seq: seq++ })),
          ),
        )
        setProblem(undefined)
      } catch (error) {
        if (!stopped) setProblem(failureMessage(error))
      }
      if (!stopped) timer = setTimeout(read, POLL_MS)
    }
    void read()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [client, vmId, containerId])

  const shown = useMemo(() => matching(lines, search), [lines, search])
  useEffect(() => {
    const element = body.current
    if (following && element && shown.length > 0) element.scrollTop = element.scrollHeight
  }, [shown, following])

  const onScroll = () => {
    const element = body.current
    if (!element) return
    setFollowing(element.scrollHeight - element.scrollTop - element.clientHeight < 24)
  }

  return (
    <section className="logs-panel" aria-label={title}>
      <header className="logs-toolbar">
        <h3>{title}</h3>
        <input
          type="search"
          placeholder="Search"
          aria-label="Search the log"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <button
          type="button"
          className="ui-button"
          onClick={() => void navigator.clipboard?.writeText(asText(shown))}
          disabled={shown.length === 0}
        >
          Copy
        </button>
        {!following && (
          <button type="button" className="ui-button" onClick={() => setFollowing(true)}>
            Follow
          </button>
        )}
      </header>
      {problem && (
        <p className="logs-problem" role="alert">
          {problem}
        </p>
      )}
      <pre className="logs-body" ref={body} onScroll={onScroll} role="log" aria-label={`${title} lines`}>
        {shown.map((line) => (
          <div key={line.seq} className={`log-line is-${line.stream}`}>
            <time dateTime={new Date(line.at).toISOString()}>{new Date(line.at).toLocaleTimeString()}</time>{' '}
            {line.text}
          </div>
        ))}
        {shown.length === 0 && (
          <span className="muted">{search ? 'No line matches.' : problem ? '' : 'No lines yet.'}</span>
        )}
      </pre>
      <p className="muted logs-status">
        {following ? 'Following' : 'Paused: scroll to the bottom or press Follow'} · {shown.length}
        {search ? ` of ${lines.length}` : ''} lines
      </p>
    </section>
  )
}

/** A button that opens and closes a LogsPanel: nothing is read from the agent until it is opened. */
export function LogsToggle({
  vmId,
  containerId,
  title,
  what,
}: {
  vmId: string
  containerId?: string
  title: string
  /** What the button names: "logs", "agent log". */
  what: string
}) {
  const [open, setOpen] = useState(false)
  return (
    <>
      <button type="button" className="ui-button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        {open ? `Hide ${what}` : `Show ${what}`}
      </button>
      {open && <LogsPanel vmId={vmId} title={title} {...(containerId !== undefined && { containerId })} />}
    </>
  )
}
