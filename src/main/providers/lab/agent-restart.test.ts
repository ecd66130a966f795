import { describe, expect, it } from 'vitest'
import { AGENT_RESTART_POLICY, NO_CRASHES, planAgentRestart } from './agent-restart'

describe('planAgentRestart', () => {
  it('waits 1 s, 2 s, 4 s … for an agent that keeps crashing, capped at 30 s', () => {
    let history = NO_CRASHES
    const delays: number[] = []
    for (let i = 0; i < 8; i++) {
      const plan = planAgentRestart(history, 500)
      delays.push(plan.delayMs)
      history = plan.history
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
  })

  it.each([
    { name: 'starts over after a run of the stable length', upForMs: 60_000, delayMs: 1000, next: 1 },
    { name: 'keeps backing off after a shorter run', upForMs: 59_999, delayMs: 16_000, next: 5 },
  ])('$name', ({ upForMs, delayMs, next }) => {
    expect(planAgentRestart({ crashesInARow: 4 }, upForMs)).toEqual({
      delayMs,
      history: { crashesInARow: next },
    })
  })

  it('stays finite however many crashes came before', () => {
    expect(planAgentRestart({ crashesInARow: 5000 }, 0).delayMs).toBe(AGENT_RESTART_POLICY.maxDelayMs)
  })
})
