/** Attribution tags with where they come from, how sure the source is, and who sees them (a team's own
 * hand-made tag is private to it unless shared: docs/tags.md). */

import type { Schemas, Sent } from "../api/endpoints";

export type Tag = Pick<Sent<Schemas["GraphTagOut"]>, "label" | "category" | "risk_class" | "source" | "confidence" | "visibility">;

export function Tags({ title, tags }: { title: string; tags: Tag[] }) {
  if (!tags.length) return null;
  return (
    <section>
      <h2>{title}</h2>
      <table>
        <thead>
          <tr>
            <th>Label</th>
            <th>Category</th>
            <th>Class</th>
            <th>Source</th>
            <th>Confidence</th>
            <th>Seen by</th>
          </tr>
        </thead>
        <tbody>
          {tags.map((tag, i) => (
            <tr key={`${tag.label}-${i}`}>
              <td>{tag.label}</td>
              <td>{tag.category ?? "–"}</td>
              <td>{tag.risk_class ?? "–"}</td>
              <td>{tag.source ?? "–"}</td>
              <td>{tag.confidence ?? "–"}</td>
              <td>{tag.visibility === "team" ? "your team only" : "everyone"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
