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
          {data.name}
        </span>
        <StatusBadge status={data.state} />
      </header>
      <UsageBar label="CPU" percent={data.cpuPercent} valueText={`${data.cpuPercent} %`} />
      <p className="topology-node-line muted">
        {data.memoryMiB} MiB · {data.requestRate} req/s
      </p>
    </div>
  )
})
