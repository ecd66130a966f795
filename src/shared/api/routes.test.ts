import { describe, expect, it } from 'vitest'
import { apiPath, matchApiRoute } from './routes'

describe('matchApiRoute', () => {
  it.each([
    ['GET', '/api/v1/cluster', { kind: 'call', channel: 'cluster:get', params: {} }],
    ['GET', '/api/v1/health', { kind: 'call', channel: 'health:get', params: {} }],
    ['POST', '/api/v1/cluster', { kind: 'method-not-allowed', allowed: ['GET'] }],
    ['GET', '/api/v1/cluster/extra', { kind: 'none' }],
    ['GET', '/api/v2/cluster', { kind: 'none' }],
    ['GET', '/api/v1/vms/lab%2D1/deploy', { kind: 'call', channel: 'deploy:get', params: { id: 'lab-1' } }],
    [
      'POST',
      '/api/v1/vms/%zz/start',
      { kind: 'malformed', channel: 'vms:start', message: expect.any(String) },
    ],
    [
      'DELETE',
      '/api/v1/vms/%E0%A4%A',
      { kind: 'malformed', channel: 'vms:remove', message: expect.any(String) },
    ],
  ])('%s %s', (method, path, expected) => {
    expect(matchApiRoute(method, path)).toEqual(expected)
  })

  it('builds the same paths it matches', () => {
    expect(apiPath('cluster:get')).toBe('/api/v1/cluster')
    expect(matchApiRoute('GET', apiPath('cluster:get'))).toMatchObject({ channel: 'cluster:get' })
  })
})
