// Swarm mode as every tier sees it: how it is switched on, a node joined over SSH, and what the VMs page
// shows of the Swarm the VIM drives.
import { z } from 'zod'
import { VM_NAME_PATTERN } from '../names'
import { requireKeyPath, sshLoginFields } from './provision'

/** Switch Swarm mode on: the VIM's engine becomes (or already is) a Swarm manager. */
export const SwarmStartInput = z
  .object({
    /** The address the manager advertises, which the nodes can reach (default: the VIM's lab/LAN address). */
    advertiseAddress: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F.:]+$/, 'advertiseAddress must be an IP address')
      .optional(),
    /** Task slot N listens on portBase + N on its node (host networking); a multiple of 1000. */
    portBase: z.number().int().min(1000).max(64000).multipleOf(1000).default(30000),
    /** Most tasks one node runs (Swarm's max replicas per node). */
    tasksPerNode: z.number().int().min(1).max(64).default(4),
  })
  .strict()
export type SwarmStartInput = z.infer<typeof SwarmStartInput>

/** vms:add for a Swarm node: an SSH host (Docker installed) that joins the VIM's Swarm as a worker. */
export const AddSwarmNodeInput = z
  .object({
    provider: z.literal('swarm'),
    /** Unused: a node is called by its host name, as Swarm and X-Served-By name it. */
    name: z.string().trim().regex(VM_NAME_PATTERN).optional(),
    ...sshLoginFields,
  })
  .strict()
  .superRefine(requireKeyPath)
export type AddSwarmNodeInput = z.infer<typeof AddSwarmNodeInput>

export const SwarmStatus = z.object({
  /** off; on (a Swarm the VIM initialised, left when Swarm mode ends); adopted (a Swarm it found). */
  mode: z.enum(['off', 'owned', 'adopted']),
  managerAddress: z.string().nullable(),
  service: z.string().nullable(),
  replicas: z.number().int().nonnegative().nullable(),
  nodes: z.array(
    z.object({
      name: z.string(),
      address: z.string(),
      availability: z.enum(['active', 'pause', 'drain']),
      state: z.string(),
      manager: z.boolean(),
      tasks: z.number().int().nonnegative(),
    }),
  ),
  /** Why Swarm mode is off or stuck, for a person; null when all is well. */
  problem: z.string().nullable(),
})
export type SwarmStatus = z.infer<typeof SwarmStatus>
