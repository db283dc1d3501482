/** Watchlists: addresses and clusters the team watches; any new activity on them raises an alert in the
 * queue (checked every five minutes by beat). */

import { type FormEvent, useState } from "react";
import { Link } from "react-router-dom";

import { messageOf } from "../api";
import { type WatchEntryIn, watchEntryCreate, watchEntryDelete, watchlistCreate, watchlistsList } from "../api/endpoints";
import { Failure, Loading, useLoaded } from "../components/Status";
import { stamp } from "../format";
import { choiceOf, textOf } from "../forms";

const WATCH_KINDS: readonly WatchEntryIn["kind"][] = ["address", "cluster"];

export function Watchlists() {
  const lists = useLoaded(watchlistsList, "watchlists");
  const [error, setError] = useState<string | null>(null);

  async function send(call: () => Promise<unknown>, form?: HTMLFormElement) {
    setError(null);
    try {
      await call();
      form?.reset();
      lists.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  function created(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name"));
    void send(() => watchlistCreate({ name }), event.currentTarget);
  }

  return (
    <section aria-labelledby="watchlists">
      <h1 id="watchlists">Watchlists</h1>
      <form className="filters" onSubmit={created} aria-label="new watchlist">
        <input name="name" aria-label="new watchlist name" placeholder="name" required />
        <button type="submit">Create watchlist</button>
      </form>
      {error && <Failure error={error} />}
      {lists.loading && !lists.data && <Loading what="watchlists" />}
      {lists.error && <Failure error={lists.error} retry={lists.reload} />}
      {lists.data?.length === 0 && <p>No watchlist yet.</p>}
      {lists.data?.map((list) => (
        <section key={list.id} aria-label={`watchlist ${list.name}`}>
          <h2>{list.name}</h2>
          <table>
            <tbody>
              {list.entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{entry.kind}</td>
                  <td className="ref">
                    <Link to={`/${entry.kind === "address" ? "addresses" : "clusters"}/${encodeURIComponent(entry.ref)}`}>
                      {entry.ref}
                    </Link>
                  </td>
                  <td>{entry.note}</td>
                  <td>
                    {entry.added_by}, {stamp(entry.added_at)}
                  </td>
                  <td>
                    <button type="button" onClick={() => void send(() => watchEntryDelete(list.id, entry.id))}>
                      Stop watching
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <form
            className="filters"
            aria-label={`watch in ${list.name}`}
            onSubmit={(event) => {
              event.preventDefault();
              const form = new FormData(event.currentTarget);
              const body = (): WatchEntryIn => ({
                kind: choiceOf(form, "kind", WATCH_KINDS),
                ref: textOf(form, "ref"),
                note: textOf(form, "note"),
              });
              void send(() => watchEntryCreate(list.id, body()), event.currentTarget);
            }}
          >
            <select name="kind" aria-label="kind" defaultValue="address">
              {WATCH_KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {kind}
                </option>
              ))}
            </select>
            <input name="ref" aria-label="address or cluster to watch" size={45} required />
            <input name="note" aria-label="why" placeholder="why" />
            <button type="submit">Watch</button>
          </form>
        </section>
      ))}
    </section>
  );
}
