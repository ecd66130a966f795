// One VM in the graph: status, CPU and memory, replicas against target and room, runtime and agent mode.
import { Handle, type NodeProps, Position } from '@xyflow/react'
import { memo } from 'react'
import { StatusBadge } from '../../components/StatusBadge'
import { UsageBar } from '../../components/UsageBar'
import type { VmFlowNode, VmNodeData } from './topology-graph'

export const VmNode = memo(function VmNode({ data }: NodeProps<VmFlowNode>) {
  return (
    <div className={`topology-node vm-node is-${data.status}`}>
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <header className="topology-node-header">
        <strong className="topology-node-name" title={data.name}>
          {data.name}
        </strong>
        <StatusBadge status={data.status} reason={data.unhealthyReason} />
      </header>
      <UsageBar label="CPU" percent={data.cpuPercent} valueText={`${data.cpuPercent} %`} />
      <UsageBar
        label="Memory"
        percent={data.memoryPercent}
        valueText={`${data.memoryMiB} MiB`}
        level={data.memoryPercent >= 90 ? 'bad' : 'neutral'}
      />
      <p className="topology-node-line" title={replicasTitle(data)}>
        {replicasText(data)}
      </p>
      {/* The node's size is fixed: why it is unhealthy takes the agent line's place. */}
      {data.unhealthyReason ? (
        <p className="topology-node-line unhealthy-reason" title={data.unhealthyReason}>
          {data.unhealthyReason}
        </p>
      ) : (
        <p className="topology-node-line">
          {data.runtime === 'process' && (
            <span className="no-isolation" title="Plain processes: CPU and memory limits are not enforced">
              no isolation
            </span>
          )}
          <span className="muted">{agentText(data)}</span>
        </p>
      )}
    </div>
  )
})

/** A VM that is down or stopped runs nothing and reports no room: say that, not "0 · 3 · 0". */
export function replicasText(data: VmNodeData): string {
  if ((data.status === 'down' || data.status === 'stopped') && data.replicas === 0)
    return data.status === 'down' ? 'no containers · not reachable' : 'no containers · stopped'
  return `${data.replicas} running · target ${data.target} · max ${data.capacity}`
}

function replicasTitle(data: VmNodeData): string {
  const waiting = data.replicas - data.ready
  const ready = `${data.ready} ready${waiting > 0 ? `, ${waiting} starting or stopping` : ''}`
  return `${data.replicas} containers (${ready}); the VIM wants ${data.target}; this VM holds at most ${data.capacity}`
}

function agentText(data: VmNodeData): string {
  if (!data.mode) return `${data.provider} · no agent connected`
  const runtime = data.runtime === 'docker' ? 'docker · ' : ''
  return `${runtime}${data.mode === 'following' ? 'following the VIM' : 'standalone'}`
}
