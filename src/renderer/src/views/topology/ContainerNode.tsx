// One container in the graph: its state, its CPU against its limit as a coloured bar, memory and traffic.
import type { NodeProps } from '@xyflow/react'
import { memo } from 'react'
import { StatusBadge } from '../../components/StatusBadge'
import { UsageBar } from '../../components/UsageBar'
import { usageLevel } from '../../components/usage-level'
import type { ContainerFlowNode } from './topology-graph'

export const ContainerNode = memo(function ContainerNode({ data }: NodeProps<ContainerFlowNode>) {
  return (
    <div className={`topology-node container-node level-${usageLevel(data.cpuPercent)}`}>
      <header className="topology-node-header">
        <span className="topology-node-name" title={data.name}>
          {data.shortName}
        </span>
        <StatusBadge status={data.state} reason={data.unhealthyReason} />
      </header>
      <UsageBar label="CPU" percent={data.cpuPercent} valueText={`${data.cpuPercent} %`} />
      {/* The node has room for one line under the bar: why it is unhealthy matters more then. */}
      {data.unhealthyReason ? (
        <p className="topology-node-line unhealthy-reason" title={data.unhealthyReason}>
          {data.unhealthyReason}
        </p>
      ) : (
        <p className="topology-node-line muted">
          {data.memoryMiB} MiB · {data.requestRate} req/s
        </p>
      )}
    </div>
  )
})
