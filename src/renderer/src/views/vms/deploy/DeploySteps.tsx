// The steps of a deploy, upgrade or uninstall in order, each with its state, how long it took and
// what it found; the running one is marked as the current step.
import { useEffect, useState } from 'react'
import type { DeployStep } from '../../../../../shared/domain/provision'
import { STEP_STATE, stepDuration } from './deploy-words'

export function DeploySteps({ steps }: { steps: readonly DeployStep[] }) {
  const now = useNowWhile(steps.some((step) => step.state === 'running'))
  return (
    <ol className="deploy-steps" aria-label="Steps">
      {steps.map((step) => {
        const state = STEP_STATE[step.state]
        const duration = stepDuration(step, now)
        return (
          <li
            key={step.id}
            className="deploy-step"
            data-state={step.state}
            aria-current={step.state === 'running' ? 'step' : undefined}
          >
            <span className="deploy-step-icon" aria-hidden="true">
              {state.icon}
            </span>
            <span className="deploy-step-title">{step.title}</span>
            <span className="deploy-step-state">{state.word}</span>
            <span className="deploy-step-duration">{duration}</span>
            {step.detail && <p className="deploy-step-detail">{step.detail}</p>}
          </li>
        )
      })}
    </ol>
  )
}

/** The clock, ticking once a second only while something runs, so a running step's time moves. */
function useNowWhile(active: boolean): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [active])
  return now
}
