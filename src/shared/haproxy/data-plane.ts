// Which data plane forwards requests: the embedded Node proxy, or HAProxy run by the VIM or the agent.
import { z } from 'zod'

export const DataPlaneKind = z.enum(['embedded', 'haproxy'])
export type DataPlaneKind = z.infer<typeof DataPlaneKind>
export const DATA_PLANES = DataPlaneKind.options
