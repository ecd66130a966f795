import { describe, expect, it } from 'vitest'
import { HAPROXY_MISSING } from '../../shared/haproxy/haproxy-process'
import { createFrontDataPlane } from './front-data-plane'
import { FrontProxy } from './front-proxy'
import { HaproxyFrontProxy } from './haproxy-front'

const options = { host: '127.0.0.1', port: 0 }
const recorder = () => {
  const lines: string[] = []
  return {
    lines,
    log: { info: (l: string) => lines.push(`info ${l}`), warn: (l: string) => lines.push(`warn ${l}`) },
  }
}

describe('createFrontDataPlane', () => {
  it('runs the embedded plane, in one line, when HAProxy is asked for but not installed', () => {
    const { lines, log } = recorder()
    const chosen = createFrontDataPlane('haproxy', options, '/tmp/unused', log, () => undefined)
    expect(chosen.kind).toBe('embedded')
    expect(chosen.proxy).toBeInstanceOf(FrontProxy)
    expect(lines).toEqual([`warn ${HAPROXY_MISSING}`])
    expect(HAPROXY_MISSING).toBe(
      'HAProxy is not installed (haproxy not found on PATH); using the embedded data plane',
    )
  })

  it('runs HAProxy when it is asked for and found, and says nothing about the embedded plane', () => {
    const { lines, log } = recorder()
    const chosen = createFrontDataPlane('haproxy', options, '/tmp/acs-unused', log, () => '/usr/sbin/haproxy')
    expect(chosen.kind).toBe('haproxy')
    expect(chosen.proxy).toBeInstanceOf(HaproxyFrontProxy)
    expect(lines).toEqual([])
  })

  it('runs the embedded plane quietly when it is the one asked for', () => {
    const { lines, log } = recorder()
    expect(createFrontDataPlane('embedded', options, '/tmp/unused', log).kind).toBe('embedded')
    expect(lines).toEqual([])
  })
})
