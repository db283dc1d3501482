/** A cluster: its figures and risk, its tags, and its riskiest members (cut when it has more). */

import { Link, useParams } from "react-router-dom";

import { clusterDetail } from "../api/endpoints";
import { CaseActions } from "../components/CaseActions";
import { Exposure } from "../components/Exposure";
import { Reasons } from "../components/Reasons";
import { Failure, Loading, useLoaded } from "../components/Status";
import { Tags } from "../components/Tags";
import { Transactions } from "../components/Transactions";
import { btc, riskLevel, when } from "../format";

export function ClusterPage() {
  const { clusterId = "" } = useParams();
  const found = useLoaded(() => clusterDetail(clusterId), clusterId);
  if (found.loading) return <Loading what="the cluster" />;
  if (found.error || !found.data) return <Failure error={found.error ?? "not found"} retry={found.reload} />;
  const c = found.data;
  return (
    <article>
      <h1 className="ref">{c.cluster}</h1>
      <CaseActions kind="cluster" of={c.cluster} />
      {c.merged_into && (
        <p className="notice">
          Merged into <Link to={`/clusters/${encodeURIComponent(c.merged_into)}`}>{c.merged_into}</Link>.
        </p>
      )}
      <p>
        <Link to={`/explore?cluster=${encodeURIComponent(c.cluster)}`}>Explore its graph</Link>
      </p>
      <dl className="facts">
        <dt>Risk</dt>
        <dd className={`risk ${riskLevel(c.risk)}`}>
          {riskLevel(c.risk)} ({c.flagged_addresses ?? 0} addresses flagged, model {c.risk_model ?? "–"})
        </dd>
        <dt>Addresses</dt>
        <dd>{c.size}</dd>
        <dt>Received</dt>
        <dd>{btc(c.received)}</dd>
        <dt>Sent</dt>
        <dd>{btc(c.sent)}</dd>
        <dt>Seen</dt>
        <dd>
          {when(c.first_seen)} to {when(c.last_seen)}
        </dd>
      </dl>
      <Reasons kind="cluster" of={c.cluster} />
      <Exposure kind="cluster" of={c.cluster} />
      <Tags title="Tags in the cluster" tags={c.tags} />
      <Transactions of={{ cluster: c.cluster }} />
      <section aria-label="members">
        <h2>Riskiest members</h2>
        {c.members.cut && (
          <p className="notice">
            Cut: the {c.members.returned} riskiest of {c.members.total ?? c.members.matched} addresses shown.
          </p>
        )}
        <table>
          <thead>
            <tr>
              <th>Address</th>
              <th>Risk</th>
              <th>Received</th>
              <th>Transactions</th>
            </tr>
          </thead>
          <tbody>
            {c.members.items.map((m) => (
              <tr key={m.address}>
                <td className="ref">
                  <Link to={`/addresses/${encodeURIComponent(m.address)}`}>{m.address}</Link>
                </td>
                <td className={`risk ${riskLevel(m.risk)}`}>{riskLevel(m.risk)}</td>
                <td>{btc(m.received)}</td>
                <td>{m.n_tx ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </article>
  );
}
