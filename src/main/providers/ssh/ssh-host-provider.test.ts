import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AddSshHostInput } from '../../../shared/domain/provision'
import { keyFileSecretBox, SECRET_KEY_FILE } from './secret-box'
import { SshHostProvider } from './ssh-host-provider'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'acs-ssh-hosts-'))
  dirs.push(dir)
  return dir
}

async function open(dir: string, taken: string[] = []) {
  const { provider } = await SshHostProvider.open({
    dataDir: dir,
    secretBox: keyFileSecretBox(dir),
    nameTaken: (name) => taken.includes(name),
  })
  return provider
}

const host = (fields: Record<string, unknown>) =>
  AddSshHostInput.parse({ provider: 'ssh', address: '10.0.0.5', user: 'ubuntu', auth: 'password', ...fields })

describe('SshHostProvider', () => {
  it('keeps a password it was not asked to remember in memory only', async () => {
    const dir = dataDir()
    const provider = await open(dir)
    const vm = await provider.add(host({ password: 'not-on-disk-1' }))
    expect(vm).toMatchObject({ name: 'host-10-0-0-5', provider: 'ssh', login: { secretStored: true } })
    expect(provider.target(vm.name)?.secrets).toEqual({ password: 'not-on-disk-1' })
    expect(readFileSync(join(dir, 'hosts.json'), 'utf8')).not.toContain('not-on-disk-1')

    const restarted = await open(dir)
    expect((await restarted.list())[0]?.login?.secretStored).toBe(false)
    expect(restarted.target(vm.name)?.secrets).toBeUndefined()
    expect(restarted.target(vm.name, { password: 'typed-again' })?.secrets).toEqual({
      password: 'typed-again',
    })
  })

  it('says honestly that a kept password cannot be read when secret.key is damaged, and asks for it', async () => {
    const dir = dataDir()
    await (await open(dir)).add(host({ password: 'remember-me-3', remember: true, name: 'web-2' }))
    writeFileSync(join(dir, SECRET_KEY_FILE), Buffer.alloc(5))

    const restarted = await open(dir)
    const [vm] = await restarted.list()
    expect(vm?.login?.secretStored).toBe(false)
    expect(vm?.login?.secretProblem).toMatch(/^secret\.key is damaged \(5 bytes, expected 32\)/)
    expect(restarted.target('web-2')?.secrets).toBeUndefined()
    expect(restarted.target('web-2', { password: 'typed' })?.secrets).toEqual({ password: 'typed' })
    await expect(
      restarted.add(host({ password: 'x', remember: true, name: 'web-3', address: '10.0.0.6' })),
    ).rejects.toThrow(/^The password cannot be remembered: secret\.key is damaged/)
    expect(readFileSync(join(dir, SECRET_KEY_FILE))).toEqual(Buffer.alloc(5))
  })

  it('seals a remembered password, so that hosts.json never holds it in plain text', async () => {
    const dir = dataDir()
    await (await open(dir)).add(host({ password: 'remember-me-2', remember: true, name: 'web-1' }))
    expect(readFileSync(join(dir, 'hosts.json'), 'utf8')).not.toContain('remember-me-2')
    expect(statSync(join(dir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600)

    const restarted = await open(dir)
    expect(restarted.target('web-1')).toMatchObject({
      vmName: 'web-1',
      login: { address: '10.0.0.5', port: 22, user: 'ubuntu', auth: 'password' },
      secrets: { password: 'remember-me-2' },
    })
  })

  it('forgets a sealed secret it cannot open (another key) instead of failing', async () => {
    const dir = dataDir()
    await (await open(dir)).add(host({ password: 'sealed-3', remember: true, name: 'web-1' }))
    rmSync(join(dir, SECRET_KEY_FILE))
    expect((await open(dir)).target('web-1')?.secrets).toBeUndefined()
  })

  it('refuses a name or an address that is already in the cluster', async () => {
    const provider = await open(dataDir(), ['lab-1'])
    await expect(provider.add(host({ password: 'x', name: 'lab-1' }))).rejects.toThrow(
      /already a VM named 'lab-1'/,
    )
    await provider.add(host({ password: 'x', name: 'a' }))
    await expect(provider.add(host({ password: 'x', name: 'b' }))).rejects.toThrow(
      /10.0.0.5:22 is already .* 'a'/,
    )
  })

  it('says that it cannot power a host, and forgets one on remove', async () => {
    const dir = dataDir()
    const provider = await open(dir)
    await provider.add(host({ auth: 'key', keyPath: '/root/.ssh/id_ed25519', name: 'k' }))
    expect(provider.capabilities.startStop).toBe(false)
    await expect(provider.start('k')).rejects.toThrow(/power it on yourself/)
    await expect(provider.stop('k')).rejects.toThrow(/power it off yourself/)
    expect(provider.target('k')?.login).toMatchObject({ auth: 'key', keyPath: '/root/.ssh/id_ed25519' })
    await provider.remove('k')
    expect(await (await open(dir)).list()).toEqual([])
  })
})

describe('keyFileSecretBox', () => {
  it('opens what it sealed and refuses what another key sealed or someone changed', () => {
    const a = keyFileSecretBox(dataDir())
    const b = keyFileSecretBox(dataDir())
    const sealed = a.seal('pass phrase ✓')
    expect(sealed).not.toContain('pass')
    expect(a.open(sealed)).toBe('pass phrase ✓')
    expect(() => b.open(sealed)).toThrow()
    const tampered = Buffer.from(sealed, 'base64')
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1
    expect(() => a.open(tampered.toString('base64'))).toThrow()
  })
})
