/** The Cytoscape canvas. It is created once; each change of `elements` is applied as a diff (added,
 * removed, changed), so positions the investigator arranged stay and a 2,000-node graph never rebuilds. */

import cytoscape, { type Core, type ElementDefinition } from "cytoscape";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: "node",
    style: {
      "background-color": "data(colour)",
      label: "data(label)",
      "font-size": 9,
      color: "#1f2933",
      "text-valign": "bottom",
      "text-margin-y": 3,
      width: 22,
      height: 22,
    },
  },
  { selector: "node.transaction", style: { shape: "round-rectangle", width: 12, height: 12, "font-size": 7 } },
  { selector: "node.cut", style: { "border-width": 3, "border-style": "dashed", "border-color": "#7b2cbf" } },
  { selector: "node.pinned", style: { "border-width": 3, "border-color": "#1d4ed8" } },
  {
    selector: "node.cluster",
    style: { "background-opacity": 0.35, "text-valign": "top", "font-size": 10, shape: "round-rectangle" },
  },
  { selector: "node:selected", style: { "overlay-color": "#1d4ed8", "overlay-opacity": 0.25, "overlay-padding": 6 } },
  {
    selector: "edge",
    style: {
      width: 1.2,
      "line-color": "#9aa5b1",
      "target-arrow-color": "#9aa5b1",
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      label: "data(label)",
      "font-size": 7,
      "text-rotation": "autorotate",
      color: "#52606d",
    },
  },
  { selector: "edge.path", style: { "line-color": "#d97706", "target-arrow-color": "#d97706", width: 3 } },
];

export interface GraphHandle {
  png: () => string;
  svgLike: () => string;
  fit: () => void;
}

interface Props {
  elements: ElementDefinition[];
  onSelect: (id: string | null) => void;
  onExpand: (id: string) => void;
}

export const GraphCanvas = forwardRef<GraphHandle, Props>(function GraphCanvas({ elements, onSelect, onExpand }, ref) {
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const handlers = useRef({ onSelect, onExpand });
  handlers.current = { onSelect, onExpand };

  useEffect(() => {
    const core = cytoscape({ container: box.current, style: STYLE, wheelSensitivity: 0.3, minZoom: 0.05 });
    core.on("tap", "node", (event) => handlers.current.onSelect(event.target.id()));
    core.on("tap", (event) => event.target === core && handlers.current.onSelect(null));
    core.on("dbltap", "node", (event) => handlers.current.onExpand(event.target.id()));
    cy.current = core;
    return () => core.destroy();
  }, []);

  useEffect(() => {
    const core = cy.current;
    if (!core) return;
    const wanted = new Map(elements.map((e) => [e.data.id as string, e]));
    core.batch(() => {
      core.elements().forEach((element) => {
        if (!wanted.has(element.id())) element.remove();
      });
      const fresh: ElementDefinition[] = [];
      for (const [id, definition] of wanted) {
        const known = core.getElementById(id);
        if (known.nonempty()) {
          known.data(definition.data);
          if (definition.classes !== undefined) known.classes(definition.classes as string);
        } else fresh.push(definition);
      }
      const parentsFirst = [...fresh].sort((a, b) => Number(a.data.kind !== "cluster") - Number(b.data.kind !== "cluster"));
      const added = core.add(parentsFirst);
      if (added.nonempty()) arrange(core, added);
    });
    if (core.nodes().length && elements.length < 50) core.fit(undefined, 40);
  }, [elements]);

  useImperativeHandle(ref, () => ({
    png: () => cy.current?.png({ full: true, scale: 2, bg: "#ffffff" }) ?? "",
    svgLike: () => svgOf(cy.current),
    fit: () => cy.current?.fit(undefined, 40),
  }));

  return <div ref={box} className="canvas" role="img" aria-label="transaction graph" data-testid="canvas" />;
});

const FORCE_MAX = 300;
const SPACING = 24; // pixels between new nodes around their anchor
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5)); // up to this many nodes the whole graph is laid out again by force after each change

/** New nodes go around the node they hang from (the centre for a first graph); then, on a small
 * graph, a force layout settles everything from where it is (pinned nodes stay put); a large first graph
 * is a grid, and a large graph's new nodes stay where they were put, so nothing the investigator placed moves. */
function arrange(core: Core, added: cytoscape.CollectionReturnValue): void {
  const around = new Map<string, cytoscape.NodeSingular[]>();
  added.nodes().forEach((node) => {
    if (node.isParent()) return;
    const anchor = node.neighborhood().nodes().difference(added).first();
    const key = anchor.nonempty() ? anchor.id() : "";
    around.set(key, [...(around.get(key) ?? []), node]);
  });
  const extent = core.extent();
  for (const [anchorId, nodes] of around) {
    const centre = anchorId ? core.getElementById(anchorId).position() : { x: extent.x1 + extent.w / 2, y: extent.y1 + extent.h / 2 };
    nodes.forEach((node, i) => {
      // A sunflower: evenly spaced however many there are, the anchor left clear at the centre.
      const radius = SPACING * Math.sqrt(i + 4);
      const angle = i * GOLDEN_ANGLE;
      node.position({ x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) });
    });
  }
  const total = core.nodes().length;
  if (total <= FORCE_MAX) {
    const pinned = core.nodes(".pinned").lock();
    core.layout({ name: "cose", randomize: false, animate: false, fit: total < 50, nodeDimensionsIncludeLabels: true } as cytoscape.LayoutOptions).run();
    pinned.unlock();
  } else if (added.length === core.elements().length) {
    core.layout({ name: "grid", animate: false, avoidOverlap: true }).run();
  }
}

/** An SVG drawing of the graph as laid out: circles, squares, lines and labels. */
function svgOf(core: Core | null): string {
  if (!core) return "";
  const box = core.elements().boundingBox();
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const lines = core.edges().map((edge) => {
    const a = edge.source().position();
    const b = edge.target().position();
    return `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" stroke="#9aa5b1"/>`;
  });
  const shapes = core.nodes().map((node) => {
    const { x, y } = node.position();
    const colour = escape(String(node.data("colour")));
    const label = `<text x="${x}" y="${y + 18}" font-size="8" text-anchor="middle">${escape(String(node.data("label")))}</text>`;
    const shape = node.hasClass("transaction")
      ? `<rect x="${x - 6}" y="${y - 6}" width="12" height="12" fill="${colour}"/>`
      : `<circle cx="${x}" cy="${y}" r="11" fill="${colour}"/>`;
    return node.hasClass("cluster") ? "" : shape + label;
  });
  const view = `${box.x1 - 20} ${box.y1 - 20} ${box.w + 40} ${box.h + 40}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${view}">${lines.join("")}${shapes.join("")}</svg>`;
}
