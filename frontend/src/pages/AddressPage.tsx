/** An address: risk with the model's reasons, exposure, tags with source and confidence, and its
 * transactions, newest first, a page at a time. */

import { Link, useParams } from "react-router-dom";

import { addressDetail } from "../api/endpoints";
import { CaseActions } from "../components/CaseActions";
import { Exposure } from "../components/Exposure";
import { Reasons } from "../components/Reasons";
import { Failure, Loading, useLoaded } from "../components/Status";
import { Tags } from "../components/Tags";
import { Transactions } from "../components/Transactions";
import { btc, riskLevel, shortId, when } from "../format";

export function AddressPage() {
  const { address = "" } = useParams();
  const detail = useLoaded(() => addressDetail(address), address);
  if (detail.loading) return <Loading what="the address" />;
  if (detail.error || !detail.data) return <Failure error={detail.error ?? "not found"} retry={detail.reload} />;
  const a = detail.data;
  return (
    <article className="address-page">
      <h1 className="ref">{a.address}</h1>
      <CaseActions kind="address" of={a.address} />
      <p>
        <Link to={`/explore?address=${encodeURIComponent(a.address)}`}>Explore its graph</Link>
        {a.cluster && (
          <>
            {" · "}
            <Link to={`/clusters/${encodeURIComponent(a.cluster)}`}>cluster {shortId(a.cluster, 8)}</Link>
          </>
        )}
      </p>
      <dl className="facts">
        <dt>Risk</dt>
        <dd className={`risk ${riskLevel(a.risk)}`}>
          {riskLevel(a.risk)}
          {a.risk !== null && ` (${a.risk.toFixed(2)}, model ${a.risk_model ?? "–"})`}
        </dd>
        <dt>Received</dt>
        <dd>{btc(a.received)}</dd>
        <dt>Sent</dt>
        <dd>{btc(a.sent)}</dd>
        <dt>Transactions</dt>
        <dd>{a.n_tx ?? 0}</dd>
        <dt>Seen</dt>
        <dd>
          {when(a.first_seen)} to {when(a.last_seen)}
        </dd>
      </dl>
      <Reasons kind="address" of={a.address} />
      <Exposure kind="address" of={a.address} />
      <Tags title="Tags" tags={a.tags} />
      <Tags title="Tags in its cluster" tags={a.cluster_tags} />
      <Transactions of={{ address: a.address }} />
    </article>
  );
}
