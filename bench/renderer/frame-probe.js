// Runs in the page before the app's own scripts (Playwright's addInitScript, which the page's CSP does
// not block). While a measurement runs it records every frame the main thread starts, the long tasks
// and long animation frames, and each cluster update (a full snapshot or a delta) from its arrival on
// the event stream to the DOM commit it causes. Plain JavaScript: it is handed to the browser as it is.
;(() => {
  let run

  // The app's stream is the only WebSocket. A listener added in the constructor runs before the
  // app's onmessage handler, so the arrival time is taken before the app parses the message.
  class TimedWebSocket extends window.WebSocket {
    constructor(...args) {
      super(...args)
      this.addEventListener('message', (event) => {
        if (!run || typeof event.data !== 'string') return
        const head = event.data.slice(0, 80)
        if (!head.includes('"name":"cluster:snapshot"') && !head.includes('"name":"cluster:delta"')) return
        run.snapshots++
        // The previous snapshot changed nothing in the graph's DOM before this one arrived.
        if (run.pending !== undefined) run.withoutCommit++
        run.pending = performance.now()
      })
    }
  }
  window.WebSocket = TimedWebSocket

  window.__acsFrameProbe = {
    /** Starts measuring; `rootSelector` is the element whose DOM changes count as a commit. */
    start(rootSelector) {
      const root = document.querySelector(rootSelector)
      if (!root) throw new Error(`no ${rootSelector} in the page`)
      const current = {
        startedAt: performance.now(),
        frames: [],
        longTasks: [],
        animationFrames: [],
        toCommit: [],
        toFrame: [],
        snapshots: 0,
        withoutCommit: 0,
        pending: undefined,
        stopped: false,
        observers: [],
      }
      run = current
      const onFrame = (time) => {
        if (current.stopped) return
        current.frames.push(time)
        requestAnimationFrame(onFrame)
      }
      requestAnimationFrame(onFrame)

      const watch = (type, take) => {
        const observer = new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) take(entry)
        })
        observer.observe({ type })
        // Entries still queued when the measurement stops are taken then, not lost.
        current.observers.push({
          disconnect: () => {
            for (const entry of observer.takeRecords()) take(entry)
            observer.disconnect()
          },
        })
      }
      watch('longtask', (entry) => current.longTasks.push(entry.duration))
      // Where a long frame's time went: scripts, style and layout, and the rest (mostly paint).
      if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
        watch('long-animation-frame', (entry) => {
          const end = entry.startTime + entry.duration
          current.animationFrames.push({
            duration: entry.duration,
            scriptMs: entry.scripts.reduce((sum, script) => sum + script.duration, 0),
            styleAndLayoutMs: entry.styleAndLayoutStart > 0 ? end - entry.styleAndLayoutStart : 0,
          })
        })
      }

      // React commits a snapshot's changes in one go; this callback runs in the microtask right after.
      const commits = new MutationObserver(() => {
        if (current.pending === undefined) return
        const arrived = current.pending
        current.pending = undefined
        current.toCommit.push(performance.now() - arrived)
        requestAnimationFrame(() => current.toFrame.push(performance.now() - arrived))
      })
      commits.observe(root, { subtree: true, childList: true, characterData: true, attributes: true })
      current.observers.push(commits)
    },

    stop() {
      const current = run
      if (!current) throw new Error('no measurement under way')
      run = undefined
      current.stopped = true
      for (const observer of current.observers) observer.disconnect()
      return {
        durationMs: performance.now() - current.startedAt,
        frames: current.frames,
        longTasks: current.longTasks,
        animationFrames: current.animationFrames,
        toCommit: current.toCommit,
        toFrame: current.toFrame,
        snapshots: current.snapshots,
        withoutCommit: current.withoutCommit,
      }
    },
  }
})()
