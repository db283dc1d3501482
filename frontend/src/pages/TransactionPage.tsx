/** A transaction: its inputs and outputs with amounts (pages the server may cut, shown as cut). */

import { Link, useParams } from "react-router-dom";

import { api } from "../api";
import { Failure, Loading, useLoaded } from "../components/Status";
import { btc, when } from "../format";
import type { Page } from "../graph/model";

interface Transaction {
  txid: string;
  height: number | null;
  time: number | null;
  fee: number | null;
  value: number | null;
  coinbase: boolean;
  unconfirmed: boolean | null;
  inputs: Page<{ address: string | null; value: number | null; outpoint: string }>;
  outputs: Page<{ n: number; address: string | null; value: number | null }>;
}

export function TransactionPage() {
  const { txid = "" } = useParams();
  const tx = useLoaded(() => api<Transaction>(`transactions/${encodeURIComponent(txid)}/`), txid);
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
      <Side title="Inputs" page={t.inputs} />
      <Side title="Outputs" page={t.outputs} />
    </article>
  );
}

function Side({ title, page }: { title: string; page: Page<{ address: string | null; value: number | null }> }) {
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
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
