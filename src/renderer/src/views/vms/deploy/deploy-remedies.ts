// What the user can do about a deploy's login and its failure: type a secret the VIM does not keep,
// or forget a host key that changed. The core says both in words, so these read its message.
import type { SshLoginInfo } from '../../../../../shared/domain/provision'

export type SecretKind = 'password' | 'passphrase'

/**
 * The secret to ask for before a deploy, if any. A password login needs its password unless the VIM
 * keeps it; a key needs a passphrase only when it is encrypted, which the VIM learns on the first try.
 */
export function secretToAsk(login: SshLoginInfo | null, lastError: string | null): SecretKind | undefined {
  if (!login || login.secretStored) return undefined
  if (login.auth === 'password') return 'password'
  if (login.auth === 'key' && lastError && /passphrase|encrypted/i.test(lastError)) return 'passphrase'
  return undefined
}

/** The failure says the host shows another key than the one trusted on first use. */
export function isHostKeyChanged(message: string | null): boolean {
  if (!message || !/host key/i.test(message)) return false
  return /chang|mismatch|does not match|doesn't match|differ|no longer/i.test(message)
}
