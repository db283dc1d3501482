/** Where the traced funds ended (or came from): by category, with the amounts each taint measure traces
 * there, and how far the trace went (graph/trace.ts). */

import { btc } from "../../format";
import type { TraceSummary as Summary } from "../../graph/trace";

export function TraceSummary({ summary }: { summary: Summary }) {
  const forward = summary.direction === "forward";
  return (
    <section className="trace-summary" aria-label="Trace summary">
      <h3>{forward ? "Where the money ended" : "Where the money came from"}</h3>
      <p>
        {summary.hops} hops · {summary.addresses} addresses · {summary.transactions} transactions
      </p>
      {summary.ended.length === 0 ? (
        <p>The money did not rest anywhere within these hops.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Addresses</th>
              <th scope="col">Traced (haircut)</th>
              <th scope="col">Touched (poison)</th>
            </tr>
          </thead>
          <tbody>
            {summary.ended.map((row) => (
              <tr key={row.category}>
                <td>{row.category.replaceAll("_", " ")}</td>
                <td>{row.addresses}</td>
                <td>{btc(Math.round(row.haircut))}</td>
                <td>{btc(Math.round(row.poison))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
