// The graph's root: the VIM (front proxy and autoscaler) with the cluster's totals.
import { Handle, type NodeProps, Position } from '@xyflow/react'
import { memo } from 'react'
import type { VimFlowNode } from './topology-graph'

export const VimNode = memo(function VimNode({ data }: NodeProps<VimFlowNode>) {
  return (
    <div className="topology-node vim-node">
      <header className="topology-node-header">
        <strong>VIM</strong>
        <span className="muted">proxy · autoscaler</span>
      </header>
      <p className="topology-node-line">
        {data.readyVms}/{data.vms} VMs ready · {data.requestRate} req/s
      </p>
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  )
})
