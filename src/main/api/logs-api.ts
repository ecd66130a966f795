// Logs on demand: the VIM asks the VM's agent (readLogs) while someone watches, and relays the answer.
// Nothing is streamed unasked; an agent that is gone, too old, or refuses says so in words.
import { ApiError, type LogsAnswer, type LogsQuery } from '../../shared/api/contract'
import type { AgentSession } from '../hub/agent-session'

/** Lines when the caller does not say: one screenful and some. */
const DEFAULT_TAIL = 100

export async function readLogs(
  session: (vmName: string) => AgentSession | undefined,
  { id, containerId, tail = DEFAULT_TAIL, sinceMs }: LogsQuery,
): Promise<LogsAnswer> {
  const agent = session(id)
  if (!agent)
    throw new ApiError('unavailable', `${id}'s agent is not connected: its logs can be read once it is back`)
  if (!agent.hello.features?.includes('logs'))
    throw new ApiError(
      'unavailable',
      `${id}'s agent ${agent.hello.agentVersion} cannot send logs: upgrade it (VMs page → Upgrade agent)`,
    )
  try {
    const ack = await agent.command('readLogs', {
      tail,
      ...(containerId !== undefined && { containerId }),
      ...(sinceMs !== undefined && { sinceMs }),
    })
    return { lines: ack.logs ?? [] }
  } catch (error) {
    throw new ApiError('unavailable', `${id}: ${(error as Error).message}`)
  }
}
