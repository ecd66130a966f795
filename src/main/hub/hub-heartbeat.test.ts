// Liveness: an agent that stops answering is buried within 3 s (on real time with the default settings,
// and exactly at the limit on a hand-driven clock), and one that answers pings is kept.
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_LIMITS } from './hub-options'
import { ManualClock, RawAgent, report, startTestHub, type TestHub } from './hub-test-kit'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function joined(test: TestHub): Promise<RawAgent> {
  const lab = await RawAgent.connect(test.url)
  cleanups.push(() => lab.close())
  await lab.join()
  return lab
}

/** Stops reading the socket: pings pile up unanswered, as with a frozen VM or a cut cable. */
function freeze(lab: RawAgent): void {
  ;(lab.socket as unknown as { _socket: Socket })._socket.pause()
}

describe('AgentHub heartbeat', () => {
  it('buries an agent that stops answering within 3 s, with the default settings', async () => {
    expect(DEFAULT_LIMITS).toMatchObject({ pingIntervalMs: 1000, deadAfterMs: 3000 })
    const test = await startTestHub()
    cleanups.push(() => test.hub.close())
    const lab = await joined(test)
    // Let a ping or two be answered first, so that the hub has a recent sign of life.
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect(test.hub.sessions()).toHaveLength(1)

    const frozenAt = Date.now()
    freeze(lab)
    await vi.waitFor(() => expect(test.disconnected).toHaveLength(1), { timeout: 5000, interval: 10 })
    const detectedAfter = Date.now() - frozenAt
    // The hub's own timing is exact (see the hand-driven test below); the slack is event-loop lag on a
    // busy test machine.
    expect(detectedAfter).toBeLessThanOrEqual(3300)
    expect(test.disconnected[0]?.end).toEqual({
      code: 1006,
      reason: expect.stringMatching(/^no frame from the agent for 3\.\d s \(missed heartbeats\)$/),
      by: 'hub',
    })
    expect(test.hub.sessions()).toEqual([])
    expect(test.logs.filter((l) => l.level === 'warn')).toHaveLength(1)
  }, 10_000)

  it('declares death exactly when the silence reaches the limit (hand-driven clock)', async () => {
    const clock = new ManualClock()
    const test = await startTestHub({ clock })
    cleanups.push(() => test.hub.close())
    const lab = await joined(test)
    freeze(lab)
    clock.advance(2999)
    expect(test.disconnected).toEqual([])
    clock.advance(1)
    expect(test.disconnected.map((d) => d.end.reason)).toEqual([
      'no frame from the agent for 3.0 s (missed heartbeats)',
    ])
  })

  it('keeps an agent that answers every ping (hand-driven clock)', async () => {
    const clock = new ManualClock()
    const test = await startTestHub({ clock })
    cleanups.push(() => test.hub.close())
    const lab = await joined(test)
    let pings = 0
    lab.socket.on('ping', () => pings++)
    for (let second = 1; second <= 10; second++) {
      clock.advance(1000)
      // The ping travels and its pong comes back in real time, before the hub's clock moves again.
      await vi.waitFor(() => expect(pings).toBe(second), { timeout: 1000, interval: 5 })
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(test.disconnected).toEqual([])
    expect(lab.isOpen).toBe(true)
  })

  it('counts a report as a sign of life even without pongs', async () => {
    const clock = new ManualClock()
    const test = await startTestHub({ clock })
    cleanups.push(() => test.hub.close())
    const lab = await RawAgent.connect(test.url, { autoPong: false })
    cleanups.push(() => lab.close())
    await lab.join()
    const reports: number[] = []
    test.hub.on('report', (_, report) => reports.push(report.seq))
    for (let second = 1; second <= 6; second++) {
      clock.advance(1000)
      lab.send(report(second))
      await vi.waitFor(() => expect(reports).toHaveLength(second), { timeout: 1000, interval: 5 })
    }
    expect(test.disconnected).toEqual([])
  })
})
