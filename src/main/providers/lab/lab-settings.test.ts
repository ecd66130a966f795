// The lab's options: defaults for a 2-core machine, and one clear error per mistake.
import { describe, expect, it } from 'vitest'
import { type LabOptions, resolveLabSettings } from './lab-settings'

const resolve = (options: Partial<LabOptions>) =>
  resolveLabSettings({ agentBundle: '/b.mjs', ...options }, {}, '/usr/bin/node')

describe('resolveLabSettings', () => {
  it('fills in the defaults: one standalone VM of 4 small containers, chosen runtime, cleanup on', () => {
    expect(resolve({})).toEqual({
      agentBundle: '/b.mjs',
      cluster: 'standalone',
      hub: undefined,
      runtime: 'auto',
      dockerHost: undefined,
      initialVms: 1,
      maxVms: 8,
      capacity: 4,
      cpusPerContainer: 0.25,
      memoryPerContainer: '128m',
      keepContainers: false,
      namePrefix: 'lab',
      nodePath: '/usr/bin/node',
      stopTimeoutMs: 20_000,
    })
  })

  it('keeps the hub, its token and the pinned fingerprint together', () => {
    const fingerprint = 'ab'.repeat(32)
    expect(resolve({ hubUrl: 'wss://vim:7443', joinToken: 't', caFingerprint: fingerprint }).hub).toEqual({
      url: 'wss://vim:7443',
      token: 't',
      caFingerprint: fingerprint,
    })
  })

  it.each<[string, Partial<LabOptions>, RegExp]>([
    ['a hub URL that is not ws(s)', { hubUrl: 'http://vim:7443', joinToken: 't' }, /ws:\/\/HOST:PORT/],
    ['a hub without its token', { hubUrl: 'ws://vim:7443' }, /need the join token/],
    ['a bad fingerprint', { hubUrl: 'wss://v:1', joinToken: 't', caFingerprint: 'abc' }, /not a SHA-256/],
    [
      'a fingerprint on plain ws',
      { hubUrl: 'ws://v:1', joinToken: 't', caFingerprint: 'ab'.repeat(32) },
      /wss/,
    ],
    ['an unknown runtime', { runtime: 'podman' as 'docker' }, /auto, docker or process/],
    ['more initial VMs than the maximum', { initialVms: 3, maxVms: 2 }, /initialVms .* 0 to 2/],
    ['a fractional capacity', { capacity: 2.5 }, /capacity must be a whole number/],
    ['a tiny memory limit', { memoryPerContainer: '1m' }, /at least 6m/],
    ['no CPU', { cpusPerContainer: 0 }, /cpusPerContainer/],
    ['a name prefix the agent refuses', { namePrefix: 'lab 1' }, /namePrefix/],
    ['no agent bundle', { agentBundle: '' }, /npm run build:agent/],
  ])('refuses %s', (_, options, message) => {
    expect(() => resolve(options)).toThrow(message)
  })
})
