import { addressExposure, clusterExposure, type Schemas } from "../api/endpoints";
import { Failure, Loading, useLoaded } from "./Status";

type Share = Schemas["ExposureShareOut"];

/** Exposure by category, as exchanges are screened with it: direct tags, and the shares of what was
 * received and sent that came from or went to each category within two hops (an address's, or a cluster's
 * from its biggest addresses: `kind` says which). */
export function Exposure({ kind, of }: { kind: "address" | "cluster"; of: string }) {
  const found = useLoaded(() => (kind === "address" ? addressExposure(of) : clusterExposure(of)), `${kind}:${of}`);
  const rows = (way: string, shares: Record<string, Share>) =>
    Object.entries(shares).map(([category, entry]) => (
      <tr key={`${way}-${category}`}>
        <td>{way}</td>
        <td>{category}</td>
        <td>{(entry.share * 100).toFixed(1)} %</td>
        <td>{entry.hops}</td>
      </tr>
    ));
  return (
    <section aria-labelledby="exposure">
      <h2 id="exposure">Exposure</h2>
      {found.loading && <Loading what="exposure" />}
      {found.error && <Failure error={found.error} retry={found.reload} />}
      {found.data && (
        <>
          {found.data.direct.length > 0 && (
            <p>
              Direct:{" "}
              {found.data.direct.map((tag) => `${tag.category} (${tag.label}, on the ${tag.via})`).join("; ")}
            </p>
          )}
          {Object.keys(found.data.received).length + Object.keys(found.data.sent).length === 0 ? (
            <p>No tagged category within two hops.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Funds</th>
                  <th>Category</th>
                  <th>Share</th>
                  <th>Nearest hop</th>
                </tr>
              </thead>
              <tbody>
                {rows("received from", found.data.received)}
                {rows("sent to", found.data.sent)}
              </tbody>
            </table>
          )}
          {found.data.cut.length > 0 && <p className="notice">Cut: {found.data.cut.join(" ")}</p>}
        </>
      )}
    </section>
  );
}
