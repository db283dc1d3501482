/** The Cytoscape canvas. It is created once; each change of `elements` is applied as a diff (added,
 * removed, changed), so positions the investigator arranged stay and a 2,000-node graph never rebuilds. */

import cytoscape, { type Core, type ElementDefinition } from "cytoscape";
import { forwardRef, useEffect, useImperativeHandle, useRef } from "react";

import { arrange, FORCE_MAX } from "./layout";
import type { Positions } from "./model";

// The page's stack (styles.css): Noto Sans, last, draws the ₿ of the edge labels where Debian's fonts lack it.
const FONT = 'system-ui, "Segoe UI", Roboto, sans-serif, "Noto Sans"';
const FIT_PADDING = 40;
const FIT_ZOOM_MAX = 1.25; // a fit of a few nodes stops here: labels at reading size, not poster size

/** Everything in view, with a margin, never blown up beyond FIT_ZOOM_MAX. */
function fitAll(core: Core): void {
  core.resize(); // the size now: a notice that came with the result may have shrunk the canvas
  core.fit(undefined, FIT_PADDING);
  if (core.zoom() > FIT_ZOOM_MAX) core.zoom({ level: FIT_ZOOM_MAX, renderedPosition: { x: core.width() / 2, y: core.height() / 2 } });
}

/** A result in view: a graph the force layout settles (up to FORCE_MAX nodes) fitted whole; a bigger one
 * centred on what the result added at the zoom the investigator chose, since fitted it would be dots too
 * small to label, every one of them drawn at each frame of a pan. */
function showResult(core: Core, added: cytoscape.NodeCollection): void {
  if (core.nodes().length <= FORCE_MAX) fitAll(core);
  else {
    core.resize();
    core.center(added);
  }
}

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: "node",
    style: {
      "background-color": "data(colour)",
      label: "data(label)",
      "font-family": FONT,
      "font-size": 12,
      "min-zoomed-font-size": 7, // a label too small to read is not drawn (and panning stays smooth)
      color: "#1f2933",
      "text-valign": "bottom",
      "text-margin-y": 3,
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.8,
      "text-background-padding": "1px",
      width: 22,
      height: 22,
    },
  },
  { selector: "node.transaction", style: { shape: "round-rectangle", width: 12, height: 12, "font-size": 9 } },
  { selector: "node.cut", style: { "border-width": 3, "border-style": "dashed", "border-color": "#7b2cbf" } },
  { selector: "node.pinned", style: { "border-width": 3, "border-color": "#1d4ed8" } },
  {
    selector: "node.cluster",
    style: { "background-opacity": 0.35, "text-valign": "top", "font-size": 12, shape: "round-rectangle", padding: "12px" },
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
      "font-family": FONT,
      "font-size": 9,
      "min-zoomed-font-size": 7,
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
  positions: () => Positions;
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
    const core = cytoscape({
      container: box.current,
      style: STYLE,
      wheelSensitivity: 0.3,
      minZoom: 0.05,
      maxZoom: 2,
    });
    // A canvas draws with the fonts loaded when it draws: once the one with ₿ is in, the labels are drawn again.
    void document.fonts?.load('12px "Noto Sans"', "₿").then(() => core.destroyed() || core.style().update());
    core.on("tap", "node", (event) => handlers.current.onSelect(event.target.id()));
    core.on("tap", (event) => event.target === core && handlers.current.onSelect(null));
    core.on("dbltap", "node", (event) => handlers.current.onExpand(event.target.id()));
    cy.current = core;
    // The canvas takes what the tools and notices leave of the window: Cytoscape is told when that changes.
    const resized = new ResizeObserver(() => core.resize());
    if (box.current) resized.observe(box.current);
    return () => {
      resized.disconnect();
      core.destroy();
    };
  }, []);

  useEffect(() => {
    const core = cy.current;
    if (!core) return;
    const wanted = new Map(elements.map((e) => [e.data.id as string, e]));
    const fresh: ElementDefinition[] = [];
    let added: cytoscape.CollectionReturnValue | undefined;
    core.batch(() => {
      core.elements().forEach((element) => {
        if (!wanted.has(element.id())) element.remove();
      });
      for (const [id, definition] of wanted) {
        const known = core.getElementById(id);
        if (known.nonempty()) {
          known.data(definition.data);
          if (definition.classes !== undefined) known.classes(definition.classes as string);
        } else fresh.push(definition);
      }
      const parentsFirst = [...fresh].sort((a, b) => Number(a.data.kind !== "cluster") - Number(b.data.kind !== "cluster"));
      added = core.add(parentsFirst);
    });
    if (added?.nonempty()) arrange(core, added); // outside the batch, so the layout measures drawn labels
    // Each result (a start, an expansion, a path, a trace) is brought into view: no blank canvas until Fit.
    if (added?.nodes().nonempty()) showResult(core, added.nodes());
  }, [elements]);

  useImperativeHandle(ref, () => ({
    png: () => cy.current?.png({ full: true, scale: 2, bg: "#ffffff" }) ?? "",
    svgLike: () => svgOf(cy.current),
    fit: () => cy.current && fitAll(cy.current),
    positions: () => positionsOf(cy.current),
  }));

  return <div ref={box} className="canvas" role="img" aria-label="transaction graph" data-testid="canvas" />;
});

/** Where each address and transaction stands now (a cluster's box follows its members). */
function positionsOf(core: Core | null): Positions {
  const found: Positions = {};
  core?.nodes().not(".cluster").forEach((node) => {
    const { x, y } = node.position();
    found[node.id()] = { x: Math.round(x * 10) / 10, y: Math.round(y * 10) / 10 };
  });
  return found;
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
