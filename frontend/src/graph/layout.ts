/** Where the canvas puts nodes. New nodes first go around the node they hang from (a sunflower); then, up
 * to FORCE_MAX nodes, fcose settles the whole graph: a force layout that keeps a cluster's members inside
 * its box and tiles the members nothing links (a cluster opens as a block of labelled addresses, not a line
 * of dots), with each label's size counted so labels do not overlap. Pinned nodes stay put. A larger first
 * graph is a grid, and a larger graph's new nodes stay where they were placed, so nothing the investigator
 * arranged moves. fcose was chosen over Cytoscape's cose by measurement (docs/benchmarks.md). */

import cytoscape, { type Core } from "cytoscape";
import fcose from "cytoscape-fcose";

cytoscape.use(fcose);

export const FORCE_MAX = 300;
const SPACING = 24; // pixels between new nodes around their anchor
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

export function arrange(core: Core, added: cytoscape.CollectionReturnValue): void {
  sunflowers(core, added);
  const total = core.nodes().length;
  const first = added.length === core.elements().length;
  if (total <= FORCE_MAX) settle(core, first);
  else if (first) core.layout({ name: "grid", animate: false, avoidOverlap: true }).run();
}

/** New nodes evenly spaced around their anchor, the anchor left clear at the centre. */
function sunflowers(core: Core, added: cytoscape.CollectionReturnValue): void {
  const around = new Map<string, cytoscape.NodeSingular[]>();
  added.nodes().forEach((node) => {
    if (node.isParent()) return;
    const anchor = node.neighborhood().nodes().difference(added).first();
    const key = anchor.nonempty() ? anchor.id() : "";
    around.set(key, [...(around.get(key) ?? []), node]);
  });
  // Nodes with no anchor go around the middle of what is drawn (the view's, for a first graph): never
  // where the view happens to be, which may be far off after a zoom into a corner.
  const known = core.nodes().difference(added);
  const box = known.nonempty() ? known.boundingBox() : core.extent();
  const middle = { x: box.x1 + box.w / 2, y: box.y1 + box.h / 2 };
  for (const [anchorId, nodes] of around) {
    const centre = anchorId ? core.getElementById(anchorId).position() : middle;
    nodes.forEach((node, i) => {
      const radius = SPACING * Math.sqrt(i + 4);
      const angle = i * GOLDEN_ANGLE;
      node.position({ x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) });
    });
  }
}

/** fcose from where the nodes are (from scratch for a first graph), pinned nodes fixed where they are. */
function settle(core: Core, first: boolean): void {
  const pinned = core.nodes(".pinned").map((node) => ({ nodeId: node.id(), position: { ...node.position() } }));
  const options = {
    name: "fcose",
    quality: "default",
    randomize: first,
    animate: false,
    fit: false,
    nodeDimensionsIncludeLabels: true,
    idealEdgeLength: 50,
    nodeRepulsion: 4500,
    nodeSeparation: 60,
    tile: true, // members nothing links, in rows inside their cluster's box
    tilingPaddingVertical: 14,
    tilingPaddingHorizontal: 14,
    fixedNodeConstraint: pinned.length ? pinned : undefined,
  };
  core.layout(options as cytoscape.LayoutOptions).run();
}
