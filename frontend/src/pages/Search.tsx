/** Search: an address or txid (exact), tags by label, the team's cases by title or number. */

import { Link, useSearchParams } from "react-router-dom";

import { search } from "../api/endpoints";
import { Failure, Loading, useLoaded } from "../components/Status";
import { riskLevel, shortId } from "../format";

export function Search() {
  const [params] = useSearchParams();
  const q = (params.get("q") ?? "").trim();
  const found = useLoaded(
    () => (q.length < 2 ? Promise.resolve(null) : search(q)),
    q,
  );
  if (q.length < 2) return <p>Type at least two characters in the search box.</p>;
  if (found.loading) return <Loading what="results" />;
  if (found.error || !found.data) return <Failure error={found.error ?? "no answer"} retry={found.reload} />;
  const { addresses, transactions, tags, cases } = found.data;
  const nothing = !addresses.length && !transactions.length && !tags.length && !cases.length;
  return (
    <section aria-labelledby="results">
      <h1 id="results">Results for “{q}”</h1>
      {nothing && <p>Nothing matches.</p>}
      {addresses.map((a) => (
        <p key={a.address}>
          Address <Link to={`/addresses/${encodeURIComponent(a.address)}`}>{a.address}</Link> ·{" "}
          <span className={`risk ${riskLevel(a.risk)}`}>{riskLevel(a.risk)}</span>
        </p>
      ))}
      {transactions.map((t) => (
        <p key={t.txid}>
          Transaction <Link to={`/transactions/${t.txid}`}>{shortId(t.txid, 12)}</Link>
          {t.height === null ? " (unconfirmed)" : ` in block ${t.height}`}
        </p>
      ))}
      {tags.length > 0 && (
        <>
          <h2>Tags</h2>
          <ul>
            {tags.map((tag, i) => (
              <li key={`${tag.label}-${tag.address}-${i}`}>
                {tag.label} ({tag.category ?? "–"}, {tag.source ?? "–"})
                {tag.address && (
                  <>
                    {" on "}
                    <Link to={`/addresses/${encodeURIComponent(tag.address)}`}>{shortId(tag.address, 8)}</Link>
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {cases.length > 0 && (
        <>
          <h2>Cases</h2>
          <ul>
            {cases.map((c) => (
              <li key={c.id}>
                <Link to={`/cases/${c.id}`}>
                  #{c.id} {c.title}
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
