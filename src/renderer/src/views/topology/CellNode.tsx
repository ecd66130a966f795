// A container as a compact cell (many containers per VM): what tells it apart from its neighbours, its
// CPU, and its state as colour and a mark; the tooltip and the details panel (click) say the rest.
import type { NodeProps } from '@xyflow/react'
import { memo } from 'react'
import { usageLevel } from '../../components/usage-level'
import type { CellFlowNode } from './topology-graph'

export const CellNode = memo(function CellNode({ data }: NodeProps<CellFlowNode>) {
  const title = `${data.name} · ${data.state} · CPU ${data.cpuPercent} % · ${data.memoryMiB} MiB · ${data.requestRate} req/s${data.unhealthyReason ? ` · ${data.unhealthyReason}` : ''}`
  return (
    <div
      className={`topology-node cell-node is-${data.state} level-${usageLevel(data.cpuPercent)}`}
      title={title}
    >
      <span className="cell-name">{data.shortName}</span>
      <span className="cell-cpu">
        <span className={`cell-state is-${data.state}`} aria-hidden="true" />
        {data.cpuPercent}%
      </span>
      <span className="cell-bar" style={{ width: `${Math.min(100, data.cpuPercent)}%` }} aria-hidden="true" />
    </div>
  )
})
