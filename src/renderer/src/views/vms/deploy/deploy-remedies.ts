// What the user can do about a deploy's login and its failure: type a secret the VIM does not keep (or
// that it kept wrong), or forget a host key that changed. The core names these failures by errorCode.
import type { DeployProgress, SshLoginInfo } from '../../../../../shared/domain/provision'

export type SecretKind = 'password' | 'passphrase'

/**
 * The secret to ask for before a deploy, if any: a password login needs its password unless the VIM
 * keeps it; after a failure that says a secret is missing or was refused, ask for it again (a kept one
 * may be wrong). A key needs a passphrase only when the VIM found it encrypted.
 */
export function secretToAsk(
  login: SshLoginInfo | null,
  failure: Pick<DeployProgress, 'errorCode'> | null,
): SecretKind | undefined {
  if (!login || login.auth === 'agent') return undefined
  const code = failure?.errorCode
  if (login.auth === 'key') return code === 'secret_needed' ? 'passphrase' : undefined
  if (code === 'secret_needed' || code === 'login_refused') return 'password'
  return login.secretStored ? undefined : 'password'
}

/** The host shows another key than the one trusted on first use. */
export function isHostKeyChanged(failure: Pick<DeployProgress, 'errorCode'> | null): boolean {
  return failure?.errorCode === 'host_key_changed'
}
