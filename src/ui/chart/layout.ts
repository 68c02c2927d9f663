import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import { statesOf, type ChartEdge, type ChartModel, type ChartState } from './statechart.ts';

/** What the layout needs of elkjs (its bundled build in the page, the same in tests). */
export interface ElkLayouter {
  layout(graph: ElkNode): Promise<ElkNode>;
}

export interface Point {
  x: number;
  y: number;
}

export interface PlacedState {
  state: ChartState;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  /** Null for the arrow from a compound state's initial dot to its first child. */
  edge: ChartEdge | null;
  points: Point[];
  label: { x: number; y: number; text: string } | null;
}

export interface ChartLayout {
  width: number;
  height: number;
  states: PlacedState[];
  edges: PlacedEdge[];
  /** The filled dots that mark initial states. */
  initials: Point[];
}

/** The page draws names in a 12px monospace font, labels and internal transitions in 11px. */
export const CHAR_WIDTH = 7.3;
export const SMALL_CHAR_WIDTH = 6.7;
export const LINE_HEIGHT = 15;
/** A state's name line, with room for its count badge. */
export const HEADER_HEIGHT = 24;
const BADGE_WIDTH = 40;
const PAD = 10;
const DOT = 10;

const textWidth = (s: string, char = CHAR_WIDTH): number => Math.ceil(s.length * char);
const initialId = (path: string): string => `${path}::initial`;
const nodeId = (path: string): string => (path === '' ? '::machine' : path);

/** A state as an ELK node: leaves sized to their text, parents sized by ELK around their children. */
function nodeOf(s: ChartState): ElkNode {
  const textBlock = s.internal.length * LINE_HEIGHT;
  const width = Math.max(textWidth(s.key) + BADGE_WIDTH, ...s.internal.map((line) => textWidth(line, SMALL_CHAR_WIDTH))) + 2 * PAD;
  if (s.children.length === 0) return { id: nodeId(s.path), width, height: HEADER_HEIGHT + textBlock + (textBlock > 0 ? PAD / 2 : 4) };
  const children = s.children.map(nodeOf);
  if (s.initial !== null && s.type !== 'parallel') children.unshift({ id: initialId(s.path), width: DOT, height: DOT });
  return {
    id: nodeId(s.path),
    children,
    layoutOptions: {
      'elk.padding': `[top=${HEADER_HEIGHT + textBlock + PAD},left=${PAD},bottom=${PAD},right=${PAD}]`,
      'elk.nodeSize.minimum': `(${width}, ${HEADER_HEIGHT})`,
      'elk.nodeSize.constraints': 'MINIMUM_SIZE',
    },
  };
}

function edgesOf(model: ChartModel): ElkExtendedEdge[] {
  const arrows = model.edges.map((e, i): ElkExtendedEdge => ({
    id: `t${i}`,
    sources: [nodeId(e.source)],
    targets: [nodeId(e.target)],
    labels: [{ text: e.label, width: textWidth(e.label, SMALL_CHAR_WIDTH), height: LINE_HEIGHT }],
  }));
  const initials = statesOf(model).concat(model.root)
    .filter((s) => s.initial !== null && s.children.length > 0 && s.type !== 'parallel')
    .map((s, i): ElkExtendedEdge => ({ id: `i${i}`, sources: [initialId(s.path)], targets: [nodeId(s.initial!)] }));
  return [...initials, ...arrows];
}

const ROOT_OPTIONS = {
  'elk.algorithm': 'layered',
  // Keeps long chains of states straight: the narrowest charts of the placements tried.
  'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.layered.spacing.nodeNodeBetweenLayers': '44',
  'elk.spacing.nodeNode': '28',
  'elk.spacing.edgeNode': '14',
  'elk.spacing.edgeEdge': '10',
  'elk.spacing.edgeLabel': '3',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
};

/**
 * Lays a statechart out with elkjs (layered, top to bottom, nested states inside their parents,
 * arrows crossing levels where the machine's do), in one coordinate system.
 */
export async function layoutChart(model: ChartModel, elk: ElkLayouter): Promise<ChartLayout> {
  const root = nodeOf(model.root);
  const graph: ElkNode = { id: 'root', layoutOptions: ROOT_OPTIONS, children: root.children ?? [], edges: edgesOf(model) };
  const out = await elk.layout(graph);
  const byId = new Map(statesOf(model).map((s) => [nodeId(s.path), s]));
  const states: PlacedState[] = [];
  const initials: Point[] = [];
  const walk = (n: ElkNode): void => {
    const s = byId.get(n.id);
    if (s !== undefined) states.push({ state: s, x: n.x ?? 0, y: n.y ?? 0, width: n.width ?? 0, height: n.height ?? 0 });
    else if (n.id.endsWith('::initial')) initials.push({ x: (n.x ?? 0) + DOT / 2, y: (n.y ?? 0) + DOT / 2 });
    n.children?.forEach(walk);
  };
  out.children?.forEach(walk);
  const edges = collectEdges(out).map((e): PlacedEdge => {
    const section = e.sections?.[0];
    const points = section === undefined ? [] : [section.startPoint, ...(section.bendPoints ?? []), section.endPoint];
    const label = e.labels?.[0];
    const edge = e.id.startsWith('t') ? model.edges[Number(e.id.slice(1))]! : null;
    return { edge, points, label: label === undefined || edge === null ? null : { x: label.x ?? 0, y: label.y ?? 0, text: edge.label } };
  });
  return { width: out.width ?? 0, height: out.height ?? 0, states, edges, initials };
}

/** ELK may move an edge into the node that contains both its ends: gather them from everywhere. */
function collectEdges(n: ElkNode): ElkExtendedEdge[] {
  return [...(n.edges ?? []), ...(n.children ?? []).flatMap(collectEdges)];
}
