/** Fit the drawing, and export it: PNG (Cytoscape's), SVG (the laid-out drawing), JSON (the model). */

import type { RefObject } from "react";

import type { GraphHandle } from "../../graph/GraphCanvas";
import type { GraphModel } from "../../graph/model";

interface Props {
  canvas: RefObject<GraphHandle | null>;
  model: GraphModel;
}

export function ExportButtons({ canvas, model }: Props) {
  return (
    <>
      <button type="button" onClick={() => canvas.current?.fit()}>Fit</button>
      <button type="button" onClick={() => download("graph.png", canvas.current?.png() ?? "")}>PNG</button>
      <button type="button" onClick={() => download("graph.svg", dataUrl(canvas.current?.svgLike() ?? "", "image/svg+xml"))}>SVG</button>
      <button type="button" onClick={() => download("graph.json", dataUrl(JSON.stringify(model, null, 1), "application/json"))}>JSON</button>
    </>
  );
}

function dataUrl(text: string, type: string): string {
  return `data:${type};charset=utf-8,${encodeURIComponent(text)}`;
}

function download(name: string, url: string) {
  if (!url) return;
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
}
