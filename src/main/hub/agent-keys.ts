// The agent keys the VIM trusts, one per VM name, like SSH's known_hosts: the key of the first agent that
// joined under a name (`first-use`), or the key the VIM made itself for a lab VM (`lab`) or wrote to a
// host while deploying over SSH (`deployed`). A different key under a pinned name is refused until a
// person forgets the pin. Kept in `<dataDir>/agent-keys.json` (mode 0600, written atomically); a damaged
// file is an error at start, never silently replaced, since that would trust whoever joins next.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { VmAgentKeyInfo } from '../../shared/domain/cluster'
import { publicKeyFingerprint } from '../../shared/protocol/agent-identity'
import { writePrivateFileSync } from '../config/private-file'

export const AGENT_KEYS_FILE = 'agent-keys.json'

/**
 * Most names trusted on first use: far above any real cluster, low enough that a holder of the join
 * token cannot grow the file without bound by joining under ever new names. Pins the VIM makes itself
 * (lab, deploy) are not limited.
 */
export const MAX_FIRST_USE_PINS = 4096

export const PinSource = z.enum(['first-use', 'deployed', 'lab'])
export type PinSource = z.infer<typeof PinSource>

export interface AgentKeyPin {
  readonly vmName: string
  /** Base64 of the SPKI DER, as in `hello.identity.publicKey`. */
  readonly publicKey: string
  readonly fingerprint: string
  /** Milliseconds since the epoch. */
  readonly pinnedAt: number
  readonly how: PinSource
}

/** The hub's verdict on a hello's key. */
export type KeyVerdict =
  | { admitted: true; pin: AgentKeyPin; pinnedNow: boolean }
  | { admitted: false; pin: AgentKeyPin }

/** What the hub needs: one decision per authenticated hello. */
export interface AgentKeyGate {
  /** Admits a known key or pins an unknown name's key (first use); refuses another key. May throw. */
  admit(vmName: string, publicKey: string): KeyVerdict
}

const StoredPin = z.object({
  vmName: z.string().min(1).max(253),
  publicKey: z.string().min(1).max(400),
  pinnedAt: z.number().nonnegative(),
  how: PinSource,
})
const StoredFile = z.object({ version: z.literal(1), pins: z.array(StoredPin) })

export class AgentKeys implements AgentKeyGate {
  /** Keyed by VM name in a Map, so that any name (`__proto__` too) is just a key. */
  private readonly pins = new Map<string, AgentKeyPin>()

  /** Without a path the pins live in memory only (tests, benchmarks). */
  constructor(private readonly path?: string) {}

  /** The pins of one data dir. Throws an Error naming the file when it exists but cannot be used. */
  static load(dataDir: string): AgentKeys {
    const path = join(dataDir, AGENT_KEYS_FILE)
    const keys = new AgentKeys(path)
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return keys
      throw damaged(path, (error as Error).message)
    }
    let parsed: z.infer<typeof StoredFile>
    try {
      const result = StoredFile.safeParse(JSON.parse(text))
      if (!result.success) {
        const issue = result.error.issues[0]
        throw new Error(`${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`)
      }
      parsed = result.data
    } catch (error) {
      throw damaged(path, (error as Error).message)
    }
    for (const stored of parsed.pins) {
      const fingerprint = publicKeyFingerprint(stored.publicKey)
      if (!fingerprint) throw damaged(path, `the key of ${stored.vmName} is not an Ed25519 public key`)
      keys.pins.set(stored.vmName, { ...stored, fingerprint })
    }
    return keys
  }

  get(vmName: string): AgentKeyPin | undefined {
    return this.pins.get(vmName)
  }

  /** What the VMs page and API show of a VM name's pin. */
  info(vmName: string): VmAgentKeyInfo | null {
    const pin = this.pins.get(vmName)
    return pin ? { fingerprint: pin.fingerprint, pinnedAt: pin.pinnedAt, how: pin.how } : null
  }

  /** Whether `publicKey` may join as `vmName`: `unknown` (nothing pinned), `match` or `mismatch`. */
  check(vmName: string, publicKey: string): 'unknown' | 'match' | 'mismatch' {
    const pin = this.pins.get(vmName)
    if (!pin) return 'unknown'
    return pin.publicKey === publicKey ? 'match' : 'mismatch'
  }

  /** Trusts `publicKey` for `vmName` from now on (replacing any earlier pin) and saves. */
  pin(vmName: string, publicKey: string, how: PinSource, now = Date.now()): AgentKeyPin {
    const fingerprint = publicKeyFingerprint(publicKey)
    if (!fingerprint) throw new Error(`the key offered for ${vmName} is not an Ed25519 public key`)
    const previous = this.pins.get(vmName)
    const pin: AgentKeyPin = { vmName, publicKey, fingerprint, pinnedAt: now, how }
    this.pins.set(vmName, pin)
    try {
      this.save()
    } catch (error) {
      if (previous) this.pins.set(vmName, previous)
      else this.pins.delete(vmName)
      throw error
    }
    return pin
  }

  /** Forgets the pin of `vmName`: the next agent to join under it is trusted. Returns what was pinned. */
  forget(vmName: string): AgentKeyPin | undefined {
    const pin = this.pins.get(vmName)
    if (!pin) return undefined
    this.pins.delete(vmName)
    try {
      this.save()
    } catch (error) {
      this.pins.set(vmName, pin)
      throw error
    }
    return pin
  }

  admit(vmName: string, publicKey: string): KeyVerdict {
    const pin = this.pins.get(vmName)
    if (pin)
      return pin.publicKey === publicKey
        ? { admitted: true, pin, pinnedNow: false }
        : { admitted: false, pin }
    if (this.pins.size >= MAX_FIRST_USE_PINS) {
      throw new Error(
        `the VIM already trusts ${this.pins.size} agent keys; forget the keys of VMs that are gone to admit new names`,
      )
    }
    return { admitted: true, pin: this.pin(vmName, publicKey, 'first-use'), pinnedNow: true }
  }

  /** Written atomically (see private-file.ts): a crash leaves the old file or the new one. */
  private save(): void {
    if (!this.path) return
    const pins = [...this.pins.values()].map(({ vmName, publicKey, pinnedAt, how }) => ({
      vmName,
      publicKey,
      pinnedAt,
      how,
    }))
    const text = `${JSON.stringify({ version: 1, pins }, null, 2)}\n`
    try {
      writePrivateFileSync(this.path, text)
    } catch (error) {
      throw new Error(`cannot save the agent keys to ${this.path}: ${(error as Error).message}`)
    }
  }
}

function damaged(path: string, why: string): Error {
  return new Error(
    `the agent key pins ${path} cannot be read (${why}). The VIM does not replace it on its own, since that ` +
      'would trust whichever agent joins next under each name: restore the file, or move it aside to trust ' +
      "every VM's next agent again",
  )
}
