/** A paged transactions table, newest first, for an address (`neighbours/`, with the direction) or a cluster
 * (`transactions/`). Pages go back in block time; a page asks up to the oldest time shown (inclusive) and
 * leaves out what is already shown, so a block split across two pages loses none of its transactions. */

import { useState } from "react";
import { Link } from "react-router-dom";

import { transactionsOf, type TxRow as Row } from "../api/endpoints";
import { btc, shortId, when } from "../format";
import { Failure, Loading, useLoaded } from "./Status";

const PAGE = 25;

export function Transactions({ of }: { of: { address: string } | { cluster: string } }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [until, setUntil] = useState<number | undefined>(undefined);
  const [cut, setCut] = useState(false);
  const key = (row: Row) => `${row.txid}:${row.direction ?? ""}`;
  const shown = useLoaded(async () => {
    const page = await transactionsOf(of, { limit: PAGE, until });
    setRows((before) => {
      const known = new Set(before.map(key));
      return [...before, ...page.items.filter((row) => !known.has(key(row)))];
    });
    setCut(page.matched > page.returned);
    return page;
  }, `${"address" in of ? `address:${of.address}` : `cluster:${of.cluster}`}:${until}`);

  const oldest = rows.length ? rows[rows.length - 1].time : null;
  const directed = rows.some((row) => row.direction);
  return (
    <section aria-labelledby="txs">
      <h2 id="txs">Transactions</h2>
      <table>
        <thead>
          <tr>
            <th>Transaction</th>
            <th>Block time</th>
            {directed && <th>Direction</th>}
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={key(row)}>
              <td>
                <Link to={`/transactions/${row.txid}`}>{shortId(row.txid, 10)}</Link>
              </td>
              <td>{when(row.time)}</td>
              {directed && <td>{row.direction === "in" ? "received" : "sent"}</td>}
              <td>{btc(row.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.loading && <Loading what="transactions" />}
      {shown.error && <Failure error={shown.error} retry={shown.reload} />}
      {!shown.loading && cut && oldest !== null && (
        <button type="button" onClick={() => setUntil(oldest + 1)}>
          Older transactions
        </button>
      )}
    </section>
  );
}
