import { Handle, MarkerType, Position, ReactFlow } from "@xyflow/react";
import type { Connection, Edge, EdgeChange, Node, NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo } from "react";
import { fieldNodes, lineEdges } from "../../logic/mappingModel";
import type { FieldNode } from "../../logic/mappingModel";
import type { FieldOption, MappingLine, Problem } from "../../platform";

type FieldData = { field: FieldNode };
type FieldFlowNode = Node<FieldData, "field">;

/** One field: GHL fields offer a handle on the right, app fields on the left. */
function FieldNodeView({ data }: NodeProps<FieldFlowNode>) {
  const { field } = data;
  const isGhl = field.side === "ghl";
  return (
    <div className={`field-node ${field.side}`} title={field.key}>
      {isGhl ? null : (
        <Handle
          type="target"
          position={Position.Left}
          data-testid={`handle-app-${field.key}`}
          className="field-handle"
        />
      )}
      <span className="field-node-label">{field.label}</span>
      {isGhl ? (
        <Handle
          type="source"
          position={Position.Right}
          data-testid={`handle-ghl-${field.key}`}
          className="field-handle"
        />
      ) : null}
    </div>
  );
}

const NODE_TYPES = { field: FieldNodeView };

type Props = {
  ghlFields: FieldOption[];
  appFields: string[];
  lines: MappingLine[];
  problems: Problem[];
  selected: number | null;
  onConnect: (connection: Connection) => void;
  onSelect: (index: number) => void;
  onRemove: (edgeIds: string[]) => void;
};

/** GHL's fields on the left, the app's on the right, lines drawn by dragging between them. */
export function MappingCanvas(props: Props) {
  const { ghlFields, appFields, lines, problems, selected } = props;
  const nodes = useMemo<FieldFlowNode[]>(
    () =>
      fieldNodes(ghlFields, appFields).map((field) => ({
        id: field.id,
        type: "field",
        position: field.position,
        data: { field },
        draggable: false,
        selectable: false,
      })),
    [ghlFields, appFields],
  );
  const edges = useMemo<Edge[]>(
    () =>
      lineEdges(lines, problems).map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        label: e.label,
        className: [e.invalid ? "invalid" : "", e.index === selected ? "chosen" : ""].join(" "),
        // The arrowheads point where values travel: both ends for a two-way line.
        markerEnd: e.direction === "app_to_ghl" ? undefined : { type: MarkerType.ArrowClosed },
        markerStart: e.direction === "ghl_to_app" ? undefined : { type: MarkerType.ArrowClosed },
        data: { index: e.index },
      })),
    [lines, problems, selected],
  );

  return (
    <div className="mapping-canvas" data-testid="mapping-canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onConnect={props.onConnect}
        onEdgeClick={(_, edge) => props.onSelect(Number(edge.id.replace("line-", "")))}
        onEdgesChange={(changes: EdgeChange[]) => {
          const removed = changes.filter((c) => c.type === "remove").map((c) => c.id);
          if (removed.length > 0) props.onRemove(removed);
        }}
        fitView
        fitViewOptions={{ maxZoom: 1, padding: 0.05 }}
        minZoom={0.3}
        nodesDraggable={false}
        panOnScroll
        zoomOnScroll={false}
        proOptions={{ hideAttribution: true }}
      />
    </div>
  );
}
