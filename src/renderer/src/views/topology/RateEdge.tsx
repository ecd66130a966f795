// The VIM → VM edge with its request rate as an HTML label. React Flow's default SVG label measures
// itself (getBBox) whenever its text changes, forcing a page layout per edge on every snapshot.
import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getBezierPath } from '@xyflow/react'
import { memo } from 'react'

export const RateEdge = memo(function RateEdge({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  label,
}: EdgeProps) {
  const [path, labelX, labelY] = getBezierPath({
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
  })
  return (
    <>
      <BaseEdge id={id} path={path} />
      <EdgeLabelRenderer>
        {/* Positioned through the CSSOM (a style prop), which the CSP allows. */}
        <div
          className="rate-edge-label"
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
        >
          {label}
        </div>
      </EdgeLabelRenderer>
    </>
  )
})
