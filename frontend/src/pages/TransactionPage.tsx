/** A transaction: its inputs and outputs with amounts, each address's risk and tags (pages the server may
 * cut, shown as cut). */

import { Link, useParams } from "react-router-dom";

import { type Side, tagsOf, type TagRow, transactionDetail } from "../api/endpoints";
import { Failure, Loading, useLoaded } from "../components/Status";
import { btc, riskLevel, when } from "../format";
import type { Page } from "../graph/model";

export function TransactionPage() {
  const { txid = "" } = useParams();
  const tx = useLoaded(() => transactionDetail(txid), txid);
  const addresses = tx.data
    ? [...new Set([...tx.data.inputs.items, ...tx.data.outputs.items].map((row) => row.address).filter(Boolean))]
    : [];
  const tags = useLoaded(
    () =>
      addresses.length
        ? tagsOf(addresses.slice(0, 100) as string[], 500)
        : Promise.resolve([] as TagRow[]),
    addresses.join(","),
  );
  if (tx.loading) return <Loading what="the transaction" />;
  if (tx.error || !tx.data) return <Failure error={tx.error ?? "not found"} retry={tx.reload} />;
  const t = tx.data;
  return (
    <article>
      <h1 className="ref">{t.txid}</h1>
      <p>
        <Link to={`/explore?tx=${t.txid}`}>Explore its graph</Link>
      </p>
      <dl className="facts">
        <dt>Block</dt>
        <dd>{t.height === null ? "unconfirmed" : `${t.height} (${when(t.time)})`}</dd>
        <dt>Value</dt>
        <dd>{btc(t.value)}</dd>
        <dt>Fee</dt>
        <dd>{t.coinbase ? "coinbase" : btc(t.fee)}</dd>
      </dl>
      {tags.error && <Failure error={tags.error} retry={tags.reload} />}
      <SideTable title="Inputs" page={t.inputs} tags={tags.data ?? []} />
      <SideTable title="Outputs" page={t.outputs} tags={tags.data ?? []} />
    </article>
  );
}

function SideTable({ title, page, tags }: { title: string; page: Page<Side>; tags: TagRow[] }) {
  const tagsOf = (address: string | null) => tags.filter((tag) => tag.address === address);
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {page.cut && (
        <p className="notice">
          Cut: {page.returned} of {page.total ?? page.matched} shown.
        </p>
      )}
      <table>
        <tbody>
          {page.items.map((row, i) => (
            <tr key={i}>
              <td className="ref">
                {row.address ? <Link to={`/addresses/${encodeURIComponent(row.address)}`}>{row.address}</Link> : "no address"}
              </td>
              <td>{btc(row.value)}</td>
              <td className={`risk ${riskLevel(row.risk)}`}>{row.address ? riskLevel(row.risk) : ""}</td>
              <td>
                {tagsOf(row.address)
                  .map((tag) => `${tag.label} (${tag.abuse ?? tag.category ?? "–"}; ${tag.source ?? "–"}, ${tag.confidence ?? "–"})`)
                  .join("; ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
