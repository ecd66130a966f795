import { describe, expect, it } from 'vitest'
import { checkHostDraft, EMPTY_HOST_DRAFT, type HostDraft } from './add-host-input'

const ssh = (overrides: Partial<HostDraft>): HostDraft => ({
  ...EMPTY_HOST_DRAFT,
  address: '192.168.56.10',
  user: 'ubuntu',
  keyPath: '~/.ssh/id_ed25519',
  ...overrides,
})

describe('checkHostDraft', () => {
  it.each([
    ['an empty address', { address: '' }, 'address', /Enter the host name or IP address/],
    ['an address with a user', { address: 'root@host' }, 'address', /without a port or user/],
    ['port 0', { port: '0' }, 'port', /from 1 to 65535/],
    ['port 65536', { port: '65536' }, 'port', /from 1 to 65535/],
    ['a port that is no number', { port: '2x' }, 'port', /whole number from 1 to 65535/],
    ['no user', { user: '' }, 'user', /user to log in as/],
    ['a user with a space', { user: 'my user' }, 'user', /Linux user name/],
    ['a key login without a key', { keyPath: ' ' }, 'keyPath', /private key’s path/],
    ['a password login without a password', { auth: 'password' as const }, 'password', /Enter the password/],
    ['a name with a space', { name: 'lab host' }, 'name', /letters, digits/],
    ['a name starting with a dot', { name: '.hidden' }, 'name', /starting with a letter or digit/],
    ['capacity 0', { capacity: '0' }, 'capacity', /from 1 to 64/],
    ['capacity 65', { capacity: '65' }, 'capacity', /from 1 to 64/],
    ['a capacity that is no number', { capacity: 'four' }, 'capacity', /whole number/],
  ])('rejects %s', (_, overrides, field, message) => {
    const check = checkHostDraft(ssh(overrides))
    expect(check.ok).toBe(false)
    if (!check.ok) expect(check.errors[field as keyof typeof check.errors]).toMatch(message)
  })

  it.each(['10.0.0.5', 'vm-1.lab.example', '::1', 'fe80::1'])('accepts the address %s', (address) => {
    expect(checkHostDraft(ssh({ address })).ok).toBe(true)
  })

  it('sends only the secret of the chosen login method', () => {
    expect(checkHostDraft(ssh({ port: '2222', password: 'unused' }))).toEqual({
      ok: true,
      input: {
        provider: 'ssh',
        address: '192.168.56.10',
        port: 2222,
        user: 'ubuntu',
        auth: 'key',
        keyPath: '~/.ssh/id_ed25519',
      },
    })
    const check = checkHostDraft(ssh({ auth: 'password', password: 'pw' }))
    expect(check.ok && check.input).toMatchObject({ auth: 'password', password: 'pw' })
    expect(check.ok && 'keyPath' in check.input).toBe(false)
  })

  it('sends the optional name and capacity only when given', () => {
    const check = checkHostDraft(ssh({ name: ' lab-host-1 ', capacity: ' 6 ' }))
    expect(check.ok && check.input).toMatchObject({ name: 'lab-host-1', capacity: 6 })
    const plain = checkHostDraft(ssh({}))
    expect(plain.ok && Object.keys(plain.input)).not.toContain('name')
    expect(plain.ok && Object.keys(plain.input)).not.toContain('capacity')
  })

  it.each([
    [
      'a password, remembered',
      { auth: 'password' as const, password: 'pw', remember: true },
      { password: 'pw', remember: true },
    ],
    [
      'a key passphrase, remembered',
      { passphrase: 'pp', remember: true },
      { passphrase: 'pp', remember: true },
    ],
    ['a key passphrase, not remembered', { passphrase: 'pp' }, { passphrase: 'pp' }],
    ['nothing to remember', { remember: true }, {}],
    ['the SSH agent (no secret at all)', { auth: 'agent' as const, passphrase: 'pp', remember: true }, {}],
  ])('sends %s as such', (_, overrides, secrets) => {
    const check = checkHostDraft(ssh(overrides))
    expect(check.ok).toBe(true)
    if (!check.ok || check.input.provider !== 'ssh') return
    const { password, passphrase, remember } = check.input
    expect(JSON.parse(JSON.stringify({ password, passphrase, remember }))).toEqual(secrets)
  })

  it('needs a VirtualBox VM’s name; the template is optional', () => {
    const draft = { ...EMPTY_HOST_DRAFT, kind: 'virtualbox' as const }
    const missing = checkHostDraft(draft)
    expect(!missing.ok && missing.errors.vmName).toMatch(/name of the VM/)
    expect(checkHostDraft({ ...draft, vmName: 'acs-vm-1' })).toEqual({
      ok: true,
      input: { provider: 'virtualbox', vmName: 'acs-vm-1' },
    })
    expect(checkHostDraft({ ...draft, vmName: 'acs-vm-2', template: 'acs-base' })).toMatchObject({
      input: { template: 'acs-base' },
    })
  })

  it('names every bad field at once', () => {
    const check = checkHostDraft(ssh({ address: '', port: '0', user: '', capacity: '0' }))
    expect(!check.ok && Object.keys(check.errors).sort()).toEqual(['address', 'capacity', 'port', 'user'])
  })
})
