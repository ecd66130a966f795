// The live output of a deploy: monospace, following the newest line unless the user scrolled up to
// read, with stderr lines marked in words as well as colour.
import { useLayoutEffect, useRef, useState } from 'react'
import type { NumberedLogLine } from '../../../store/deploy-runs'
import { DEPLOY_LOG_LIMIT } from '../../../store/deploy-runs'

/** Closer than this to the bottom counts as "at the bottom" (a line's height, give or take). */
const FOLLOW_SLACK_PX = 24

export function DeployLog({ lines, truncated }: { lines: readonly NumberedLogLine[]; truncated: boolean }) {
  const box = useRef<HTMLDivElement>(null)
  const [following, setFollowing] = useState(true)

  // biome-ignore lint/correctness/useExhaustiveDependencies: follow on every new batch of lines
  useLayoutEffect(() => {
    const el = box.current
    if (el && following) el.scrollTop = el.scrollHeight
  }, [lines, following])

  const onScroll = () => {
    const el = box.current
    if (el) setFollowing(el.scrollHeight - el.scrollTop - el.clientHeight <= FOLLOW_SLACK_PX)
  }

  return (
    <div className="deploy-log-frame">
      <div className="deploy-log-heading">
        <h3 className="small-heading" id="deploy-log-title">
          Log
        </h3>
        {truncated && (
          <span className="muted small">only the last {DEPLOY_LOG_LIMIT.toLocaleString('en')} lines</span>
        )}
        {!following && (
          <button type="button" className="ui-button small" onClick={() => setFollowing(true)}>
            Follow the log
          </button>
        )}
      </div>
      {/* Not live for screen readers: hundreds of apt lines would drown the step announcements. */}
      <div
        ref={box}
        className="deploy-log"
        role="log"
        aria-labelledby="deploy-log-title"
        aria-live="off"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take the focus to scroll by keyboard
        tabIndex={0}
        onScroll={onScroll}
      >
        {lines.length === 0 ? (
          <p className="muted">No output yet.</p>
        ) : (
          lines.map((line) => (
            <div key={line.seq} className="deploy-log-line" data-stream={line.stream}>
              {line.stream === 'stderr' && <span className="sr-only">stderr: </span>}
              {line.text}
            </div>
          ))
        )}
      </div>
    </div>
  )
}
