/** Attribution tags with where they come from and how sure the source is. */

export interface Tag {
  label: string;
  category: string | null;
  risk_class: string | null;
  source: string | null;
  confidence: string | null;
}

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
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
