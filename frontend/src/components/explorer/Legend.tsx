/** What the canvas's colours and marks mean: risk bands (the screening levels) or the categories drawn,
 * and the shapes, the cut ring and the path. */

import { categoryColour, riskColour } from "../../format";
import type { ColourBy, GraphModel } from "../../graph/model";

// A colour from inside each screening band (format.ts riskLevel), and grey for unscored.
const RISK_BANDS: [string, number | null][] = [
  ["severe (80–100)", 0.9],
  ["high (60–79)", 0.7],
  ["medium (30–59)", 0.45],
  ["low (0–29)", 0.1],
  ["unscored", null],
];

export function legendEntries(model: GraphModel, colourBy: ColourBy): [string, string][] {
  if (colourBy === "risk") return RISK_BANDS.map(([name, risk]) => [name, riskColour(risk)]);
  const drawn = new Set(Object.values(model.nodes).filter((n) => n.kind === "address" && !n.hidden).map((n) => n.category));
  const named = [...drawn].filter((c): c is string => !!c).sort();
  return [...named.map((c): [string, string] => [c.replaceAll("_", " "), categoryColour(c)]), ["untagged", categoryColour(null)]];
}

export function Legend({ model, colourBy }: { model: GraphModel; colourBy: ColourBy }) {
  return (
    <section className="legend" aria-label="Legend">
      <h4>{colourBy === "risk" ? "Risk" : "Category"}</h4>
      <ul>
        {legendEntries(model, colourBy).map(([name, colour]) => (
          <li key={name}>
            <span className="swatch" style={{ background: colour }} aria-hidden="true" /> {name}
          </li>
        ))}
        <li><span className="swatch tx" aria-hidden="true" /> transaction (circles: addresses)</li>
        <li><span className="swatch cut" aria-hidden="true" /> cut (not every neighbour shown)</li>
        <li><span className="swatch path" aria-hidden="true" /> path found</li>
      </ul>
    </section>
  );
}
