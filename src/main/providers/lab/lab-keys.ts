// The keys of the lab's agents: made by the VIM in its data dir and pinned as `lab` before each agent
// starts, so that the lab's VM names belong to the lab's own agents from the first moment, whoever else
// holds the join token.
import { join } from 'node:path'
import { VM_NAME_PATTERN } from '../../../shared/names'
import { loadOrCreateAgentKey } from '../../../shared/protocol/agent-identity'
import type { AgentKeys } from '../../hub/agent-keys'

/** `<dataDir>/lab-agents/<vm>.key`; VM names are checked by the lab (letters, digits, '.', '_', '-'). */
export function labAgentKeyPath(dataDir: string, vmName: string): string {
  if (!VM_NAME_PATTERN.test(vmName)) throw new Error(`'${vmName}' is not a lab VM name`)
  return join(dataDir, 'lab-agents', `${vmName}.key`)
}

/**
 * The key file for a lab VM's agent, made on first use (0600) and pinned as `lab`. A pin of another key
 * under a lab name (say, someone who joined first under it) is replaced: the lab owns its names.
 */
export function prepareLabAgentKey(dataDir: string, vmName: string, keys: AgentKeys): string {
  const path = labAgentKeyPath(dataDir, vmName)
  const { key } = loadOrCreateAgentKey(path)
  const pin = keys.get(vmName)
  if (pin?.publicKey !== key.publicKey || pin.how !== 'lab') keys.pin(vmName, key.publicKey, 'lab')
  return path
}
