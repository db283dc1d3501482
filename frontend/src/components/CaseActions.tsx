/** Case work from an address's or a cluster's page: open a case about it, add it to one of the team's open
 * cases, or watch it on one of the team's watchlists (a first watchlist is made when there is none). Each
 * shows its own outcome, or its failure, beside the buttons. */

import { type ReactNode, useState } from "react";
import { Link, useNavigate } from "react-router-dom";

import { caseCreate, casesList, subjectAdd, watchEntryCreate, watchlistCreate, watchlistsList } from "../api/endpoints";
import { useAct } from "./case/useAct";
import { Failure, useLoaded } from "./Status";

type Kind = "address" | "cluster";
const FIRST_WATCHLIST = "Watched";

export function CaseActions({ kind, of }: { kind: Kind; of: string }) {
  const navigate = useNavigate();
  const cases = useLoaded(() => casesList({ limit: 200 }), "cases");
  const lists = useLoaded(watchlistsList, "watchlists");
  const [done, setDone] = useState<ReactNode>(null);
  const { act, error } = useAct(() => lists.reload());
  const open = (cases.data ?? []).filter((c) => c.status !== "closed");
  const short = of.length > 16 ? `${of.slice(0, 12)}…` : of;

  const openCase = () =>
    act(async () => {
      const made = await caseCreate({ title: `${kind === "address" ? "Address" : "Cluster"} ${short}`, priority: "medium" });
      await subjectAdd(made.id, { kind, ref: of });
      navigate(`/cases/${made.id}`);
    });
  const addTo = (caseId: number) =>
    act(async () => {
      await subjectAdd(caseId, { kind, ref: of });
      setDone(
        <>
          Added to <Link to={`/cases/${caseId}`}>case #{caseId}</Link>.
        </>,
      );
    });
  const watch = (listId: number | null) =>
    act(async () => {
      const id = listId ?? (await watchlistCreate({ name: FIRST_WATCHLIST })).id;
      await watchEntryCreate(id, { kind, ref: of });
      setDone(<>Watched: new activity raises an alert.</>);
    });

  return (
    <section className="case-actions" aria-label="case actions">
      <div className="filters">
        <button type="button" onClick={() => void openCase()}>
          Open case
        </button>
        <form
          className="filters"
          aria-label="add to case"
          onSubmit={(event) => {
            event.preventDefault();
            const id = Number(new FormData(event.currentTarget).get("case"));
            if (id) void addTo(id);
          }}
        >
          <select name="case" aria-label="case to add it to" disabled={open.length === 0}>
            {open.length === 0 && <option value="">no open case</option>}
            {open.map((c) => (
              <option key={c.id} value={c.id}>
                #{c.id} {c.title}
              </option>
            ))}
          </select>
          <button type="submit" disabled={open.length === 0}>
            Add to case
          </button>
        </form>
        <form
          className="filters"
          aria-label="watch"
          onSubmit={(event) => {
            event.preventDefault();
            const id = Number(new FormData(event.currentTarget).get("watchlist"));
            void watch(id || null);
          }}
        >
          <select name="watchlist" aria-label="watchlist">
            {(lists.data ?? []).length === 0 && <option value="">new list "{FIRST_WATCHLIST}"</option>}
            {(lists.data ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
          <button type="submit">Watch</button>
        </form>
      </div>
      {done && <p role="status">{done}</p>}
      {error && <Failure error={error} />}
    </section>
  );
}
