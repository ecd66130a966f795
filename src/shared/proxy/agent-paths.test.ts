// Every spelling of /_agent/ a lenient backend might read as the agent's own pages.
import { describe, expect, it } from 'vitest'
import { AGENT_HEALTH_PATH, isAgentPath } from './agent-paths'

describe('isAgentPath', () => {
  it.each([
    '/_agent/status',
    '/_agent',
    '/_agent/',
    '/_AGENT/status',
    '/_Agent/Status',
    '/%5Fagent/status',
    '/%5fagent/status',
    '/%255Fagent/status',
    '/_agent%2Fstatus',
    '//_agent/status',
    '///_agent/status',
    '/./_agent/status',
    '/x/../_agent/status',
    '/%2e/_agent/status',
    '/x/%2E%2E/_agent/status',
    '\\_agent\\status',
    '/_agent/status?x=1',
    '/_agent;jsessionid=1/status',
    'http://front.example/_agent/status',
    '/_agent/%zz',
  ])('%s is an agent path', (target) => {
    expect(isAgentPath(target)).toBe(true)
  })

  it.each([
    '/',
    '/healthz',
    '/session?seconds=1',
    '/agent/status',
    '/x/_agent/status',
    '/_agents',
    '/?q=/_agent/status',
    '/%zz',
  ])('%s is not', (target) => {
    expect(isAgentPath(target)).toBe(false)
  })

  it('covers the health page the front proxy probes, so the public cannot read it through the front', () => {
    expect(isAgentPath(AGENT_HEALTH_PATH)).toBe(true)
  })
})
