/** An address: risk with the model's reasons, exposure, tags with source and confidence, and its
 * transactions, newest first, a page at a time. */

import { Link, useParams } from "react-router-dom";

import { api } from "../api";
import { Failure, Loading, useLoaded } from "../components/Status";
import { type Tag, Tags } from "../components/Tags";
import { Transactions } from "../components/Transactions";
import { btc, riskLevel, shortId, when } from "../format";

interface Address {
  address: string;
  risk: number | null;
  risk_label: string | null;
  risk_model: string | null;
  reasons: string[] | null;
  received: number | null;
  sent: number | null;
  n_tx: number | null;
  first_seen: number | null;
  last_seen: number | null;
  cluster: string | null;
  tags: Tag[];
  cluster_tags: Tag[];
}

export function AddressPage() {
  const { address = "" } = useParams();
  const detail = useLoaded(() => api<Address>(`addresses/${encodeURIComponent(address)}/`), address);
  if (detail.loading) return <Loading what="the address" />;
  if (detail.error || !detail.data) return <Failure error={detail.error ?? "not found"} retry={detail.reload} />;
  const a = detail.data;
  return (
    <article className="address-page">
      <h1 className="ref">{a.address}</h1>
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
      {a.reasons && a.reasons.length > 0 && (
        <section aria-labelledby="reasons">
          <h2 id="reasons">Why the model scored it</h2>
          <ul>
            {a.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </section>
      )}
      <Exposure address={a.address} />
      <Tags title="Tags" tags={a.tags} />
      <Tags title="Tags in its cluster" tags={a.cluster_tags} />
      <Transactions path={`addresses/${encodeURIComponent(a.address)}/neighbours/`} />
    </article>
  );
}

interface Share {
  share: number;
  hops: number;
  risk_class: string | null;
}

interface ExposureFound {
  direct: { category: string; label: string; via: string }[];
  received: Record<string, Share>;
  sent: Record<string, Share>;
  cut: string[];
}

/** Exposure by category, as exchanges are screened with it: tags on the address and its cluster, and the
 * shares of what it received and sent that came from or went to each category within two hops. */
function Exposure({ address }: { address: string }) {
  const found = useLoaded(() => api<ExposureFound>(`addresses/${encodeURIComponent(address)}/exposure/`), address);
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
