import { describe, expect, it } from 'vitest'
import { describeNodeBinary, findLocalNodeRuntime, nodeArchOfUname, unameOfNodeArch } from './node-runtime'

describe('architecture names', () => {
  it.each([
    ['x86_64', 'x64'],
    ['amd64', 'x64'],
    ['aarch64', 'arm64'],
    ['arm64', 'arm64'],
    ['armv7l', 'arm'],
    ['i686', 'ia32'],
    ['ppc64le', 'ppc64'],
    ['s390x', 's390x'],
    ['riscv64', 'riscv64'],
    ['mips', null],
  ])('uname %s is Node %s', (uname, arch) => {
    expect(nodeArchOfUname(uname)).toBe(arch)
  })
  it.each([
    ['x64', 'x86_64'],
    ['arm64', 'aarch64'],
    ['sparc', 'sparc'],
  ])('Node %s is uname %s', (arch, uname) => {
    expect(unameOfNodeArch(arch)).toBe(uname)
  })
})

describe('findLocalNodeRuntime', () => {
  const binaries: Record<string, { version: string; arch: string }> = {
    '/usr/bin/node': { version: 'v20.20.2', arch: 'x64' },
    '/old/node': { version: 'v16.20.2', arch: 'x64' },
    '/opt/node22/bin/node': { version: 'v22.1.0', arch: 'x64' },
  }
  const search = {
    env: { PATH: '/old:/usr/bin' },
    underElectron: false,
    execPath: '/usr/bin/node',
    describe: async (path: string) => binaries[path],
  }

  it("takes the VIM's own Node in headless mode", async () => {
    expect(await findLocalNodeRuntime(search)).toEqual({
      ok: true,
      runtime: { path: '/usr/bin/node', version: 'v20.20.2', arch: 'x64' },
    })
  })

  it('in Electron, takes ACS_NODE_RUNTIME, else the first Node ≥ 18 on PATH', async () => {
    const electron = { ...search, underElectron: true, execPath: '/opt/app/electron' }
    expect(await findLocalNodeRuntime(electron)).toMatchObject({
      ok: true,
      runtime: { path: '/usr/bin/node' },
    })
    const named = { ...electron, env: { ...electron.env, ACS_NODE_RUNTIME: '/opt/node22/bin/node' } }
    expect(await findLocalNodeRuntime(named)).toMatchObject({
      ok: true,
      runtime: { path: '/opt/node22/bin/node' },
    })
  })

  it('fails clearly when there is none, or the named one is unusable', async () => {
    const none = { ...search, underElectron: true, env: { PATH: '/old' } }
    expect(await findLocalNodeRuntime(none)).toEqual({
      ok: false,
      message: 'This VIM has no Node.js ≥ 18 to upload (set ACS_NODE_RUNTIME to a Node binary)',
    })
    expect(await findLocalNodeRuntime({ ...search, override: '/old/node' })).toEqual({
      ok: false,
      message: 'The configured Node runtime /old/node is not a Node.js ≥ 18 that runs here',
    })
  })

  it('asks a real Node binary for its version and arch', async () => {
    expect(await describeNodeBinary(process.execPath)).toEqual({
      version: process.version,
      arch: process.arch,
    })
    expect(await describeNodeBinary('/nonexistent/node')).toBeUndefined()
  })
})
