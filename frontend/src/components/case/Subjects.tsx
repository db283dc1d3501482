/** The case's subjects, each linked to its page, and adding one (refused, by name, when the graph
 * does not hold it). */

import { Link } from "react-router-dom";

import { subjectAdd, type SubjectIn } from "../../api/endpoints";
import { choiceOf, textOf } from "../../forms";
import { Failure } from "../Status";
import type { Case } from "./types";
import { useAct } from "./useAct";

const SUBJECT_KINDS: readonly SubjectIn["kind"][] = ["address", "cluster", "transaction"];

export function Subjects({ c, reload }: { c: Case; reload: () => void }) {
  const { act, error } = useAct(reload);
  return (
    <section aria-labelledby="subjects">
      <h2 id="subjects">Subjects</h2>
      {c.subjects.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <ul>
          {c.subjects.map((s) => (
            <li key={s.id}>
              {s.kind} <Link className="ref" to={subjectPage(s.kind, s.ref)}>{s.ref}</Link>
            </li>
          ))}
        </ul>
      )}
      {c.status !== "closed" && (
        <form
          className="filters"
          aria-label="add a subject"
          onSubmit={(event) => {
            event.preventDefault();
            const form = new FormData(event.currentTarget);
            void act(() => subjectAdd(c.id, { kind: choiceOf(form, "kind", SUBJECT_KINDS), ref: textOf(form, "ref").trim() }));
            event.currentTarget.reset();
          }}
        >
          <select name="kind" aria-label="subject kind" defaultValue="address">
            {SUBJECT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {kind}
              </option>
            ))}
          </select>
          <input name="ref" aria-label="subject" size={45} required />
          <button type="submit">Add subject</button>
          {error && <Failure error={error} />}
        </form>
      )}
    </section>
  );
}

function subjectPage(kind: string, ref: string): string {
  const page = { address: "addresses", cluster: "clusters", transaction: "transactions" }[kind] ?? "addresses";
  return `/${page}/${encodeURIComponent(ref)}`;
}
