/** The clusters the active model flagged, riskiest first (then by value received, then latest seen), a page
 * at a time, each with its calibrated probability and its rank among the clusters its model scored. */

import { useState } from "react";
import { Link } from "react-router-dom";

import { flaggedClusters } from "../../api/endpoints";
import { btc, riskLevel, shortId, when } from "../../format";
import { Failure, Loading } from "../Status";
import { Pager } from "./Pager";
import { PAGE_SIZE, POLL_MS, scoreText } from "./queue";
import { usePolled } from "./usePolled";

export function FlaggedClusters() {
  const [page, setPage] = useState(1);
  const [model, setModel] = useState("");
  const clusters = usePolled(() => flaggedClusters({ page, page_size: PAGE_SIZE, model }), `${page}:${model}`, POLL_MS);
  const rows = clusters.data?.results ?? [];
  return (
    <section aria-labelledby="flagged">
      <h2 id="flagged">Flagged clusters</h2>
      <div className="filters">
        <label>
          Model
          <input
            value={model}
            placeholder="any, e.g. v3"
            size={8}
            onChange={(e) => {
              setModel(e.target.value.trim());
              setPage(1);
            }}
          />
        </label>
      </div>
      {clusters.loading && !clusters.data && <Loading what="flagged clusters" />}
      {clusters.error && <Failure error={clusters.error} retry={clusters.reload} />}
      {clusters.data && clusters.data.count === 0 && <p>No cluster is flagged{model ? ` by ${model}` : " by the active model"}.</p>}
      {clusters.data && clusters.data.count > 0 && (
        <>
          <table aria-label="flagged clusters">
            <thead>
              <tr>
                <th>Cluster</th>
                <th>Risk (probability · rank)</th>
                <th>Addresses</th>
                <th>Received</th>
                <th>Last seen</th>
                <th>Model</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.cluster}>
                  <td>
                    <Link to={`/explore?cluster=${encodeURIComponent(c.cluster)}`}>{shortId(c.cluster, 10)}</Link>{" "}
                    <Link to={`/clusters/${encodeURIComponent(c.cluster)}`} aria-label={`cluster ${c.cluster} page`}>
                      page
                    </Link>
                  </td>
                  <td className={`risk ${riskLevel(c.risk)}`} title={`percentile ${c.percentile}`}>
                    {riskLevel(c.risk)} {scoreText(c.risk, c.rank, c.scored)}
                  </td>
                  <td>
                    {Math.round(c.flagged_addresses ?? 0).toLocaleString("en-US")} of {(c.size ?? 0).toLocaleString("en-US")} flagged
                  </td>
                  <td>{btc(c.received)}</td>
                  <td>{when(c.last_seen)}</td>
                  <td>{c.risk_model ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager label="flagged clusters" page={page} pageSize={PAGE_SIZE} count={clusters.data.count} hasNext={!!clusters.data.next} onPage={setPage} />
        </>
      )}
    </section>
  );
}
