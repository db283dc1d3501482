/** Where the graph starts: an address, a cluster, a transaction or a case, put in the address bar. */

import type { FormEvent } from "react";

interface Props {
  kind: string;
  current: string;
  onStart: (kind: string, value: string) => void;
}

export function StartForm({ kind, current, onStart }: Props) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = String(form.get("start")).trim();
    if (value) onStart(String(form.get("kind")), value);
  }
  return (
    <form className="start" onSubmit={submit} aria-label="start the graph">
      <select name="kind" aria-label="start from" defaultValue={kind}>
        <option value="address">Address</option>
        <option value="cluster">Cluster</option>
        <option value="tx">Transaction</option>
        <option value="case">Case</option>
      </select>
      <input name="start" aria-label="address, cluster id, txid or case number" defaultValue={current} size={50} required />
      <button type="submit">Explore</button>
    </form>
  );
}
