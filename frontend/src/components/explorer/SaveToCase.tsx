/** Save what is drawn into an open case as evidence (hashed and audited by the server), with where each node
 * stands, so the case report draws the view as the investigator arranged it. */

import { type FormEvent, useState } from "react";

import { messageOf } from "../../api";
import { casesList, evidenceSnapshotAdd } from "../../api/endpoints";
import { shortId } from "../../format";
import { type GraphModel, type Positions, snapshot } from "../../graph/model";
import { Failure, useLoaded } from "../Status";

export function SaveToCase({ model, start, positions }: { model: GraphModel; start: string; positions: () => Positions }) {
  const cases = useLoaded(() => casesList({ limit: 200 }), "cases");
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = (cases.data ?? []).filter((c) => c.status !== "closed");

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    try {
      const drawn = { start, ...snapshot(model, positions()) }; // with where the view started
      const evidence = await evidenceSnapshotAdd(String(form.get("case")), { name: form.get("name") as string, snapshot: drawn });
      setSaved(`Saved to case #${form.get("case")} (SHA-256 ${shortId(evidence.sha256, 8)}).`);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  if (cases.error) return <Failure error={cases.error} retry={cases.reload} />;
  if (!open.length) return null;
  return (
    <form className="filters" onSubmit={submit} aria-label="save the view to a case">
      <label>
        Save view to
        <select name="case" defaultValue={open[0].id}>
          {open.map((c) => (
            <option key={c.id} value={c.id}>#{c.id} {c.title}</option>
          ))}
        </select>
      </label>
      <input name="name" aria-label="evidence name" defaultValue={`graph from ${shortId(start, 8)}`} required />
      <button type="submit">Save to case</button>
      {saved && <span role="status">{saved}</span>}
      {error && <Failure error={error} />}
    </form>
  );
}
