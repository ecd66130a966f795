import { describe, expect, it } from 'vitest'
import { apiPath, matchApiRoute } from './routes'

describe('matchApiRoute', () => {
  it.each([
    ['GET', '/api/v1/cluster', { kind: 'call', channel: 'cluster:get', params: {} }],
    ['GET', '/api/v1/health', { kind: 'call', channel: 'health:get', params: {} }],
    ['POST', '/api/v1/cluster', { kind: 'method-not-allowed', allowed: ['GET'] }],
    ['GET', '/api/v1/cluster/extra', { kind: 'none' }],
    ['GET', '/api/v2/cluster', { kind: 'none' }],
  ])('%s %s', (method, path, expected) => {
    expect(matchApiRoute(method, path)).toEqual(expected)
  })

  it('builds the same paths it matches', () => {
    expect(apiPath('cluster:get')).toBe('/api/v1/cluster')
    expect(matchApiRoute('GET', apiPath('cluster:get'))).toMatchObject({ channel: 'cluster:get' })
  })
})
