/** The clusters the active model flagged, riskiest first, each opening in the explorer. */

import { Link } from "react-router-dom";

import { flaggedClusters } from "../../api/endpoints";
import { btc, riskLevel, shortId, when } from "../../format";
import { Failure, Loading, useLoaded } from "../Status";

export function FlaggedClusters() {
  const clusters = useLoaded(() => flaggedClusters(20), "clusters");
  return (
    <section aria-labelledby="flagged">
      <h2 id="flagged">Flagged clusters</h2>
      {clusters.loading && <Loading what="flagged clusters" />}
      {clusters.error && <Failure error={clusters.error} retry={clusters.reload} />}
      {clusters.data && clusters.data.clusters.length === 0 && <p>No cluster is flagged by the active model.</p>}
      {clusters.data && clusters.data.clusters.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Cluster</th>
              <th>Risk</th>
              <th>Addresses</th>
              <th>Received</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {clusters.data.clusters.map((c) => (
              <tr key={c.cluster}>
                <td>
                  <Link to={`/explore?cluster=${encodeURIComponent(c.cluster)}`}>{shortId(c.cluster, 10)}</Link>{" "}
                  <Link to={`/clusters/${encodeURIComponent(c.cluster)}`} aria-label={`cluster ${c.cluster} page`}>
                    page
                  </Link>
                </td>
                <td className={`risk ${riskLevel(c.risk)}`}>
                  {riskLevel(c.risk)} ({c.risk.toFixed(2)})
                </td>
                <td>
                  {c.size} ({c.flagged_addresses ?? 0} flagged)
                </td>
                <td>{btc(c.received)}</td>
                <td>{when(c.last_seen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
