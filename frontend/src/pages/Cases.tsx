/** The team's cases, with a status filter, and a new case. */

import { type FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router-dom";

import { messageOf } from "../api";
import { type Case, caseCreate, casesList } from "../api/endpoints";
import { STATUS_WORDS } from "../cases";
import { Failure, Loading, useLoaded } from "../components/Status";
import { stamp } from "../format";

const PRIORITIES = ["low", "medium", "high", "critical"];

export function Cases() {
  const [status, setStatus] = useState("");
  const [priority, setPriority] = useState("");
  const cases = useLoaded(() => casesList({ status, priority }), `${status}:${priority}`);
  return (
    <section aria-labelledby="cases">
      <h1 id="cases">Cases</h1>
      <NewCase />
      <div className="filters">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any</option>
            {Object.entries(STATUS_WORDS).map(([value, words]) => (
              <option key={value} value={value}>
                {words}
              </option>
            ))}
          </select>
        </label>
        <label>
          Priority
          <select value={priority} onChange={(e) => setPriority(e.target.value)}>
            <option value="">any</option>
            {PRIORITIES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
      </div>
      {cases.loading && <Loading what="cases" />}
      {cases.error && <Failure error={cases.error} retry={cases.reload} />}
      {cases.data && cases.data.length === 0 && <p>No case matches.</p>}
      {cases.data && cases.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Case</th>
              <th>Status</th>
              <th>Priority</th>
              <th>Assignee</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {cases.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/cases/${c.id}`}>
                    #{c.id} {c.title}
                  </Link>
                </td>
                <td>{STATUS_WORDS[c.status]}</td>
                <td>{c.priority}</td>
                <td>{c.assignee ?? "–"}</td>
                <td>{stamp(c.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewCase() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      const made = await caseCreate({
        title: String(form.get("title")),
        priority: form.get("priority") as Case["priority"],
      });
      navigate(`/cases/${made.id}`);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }
  return (
    <form className="filters" onSubmit={submit} aria-label="new case">
      <label>
        New case
        <input name="title" placeholder="title" required />
      </label>
      <select name="priority" aria-label="priority of the new case" defaultValue="medium">
        {PRIORITIES.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>
      <button type="submit">Open case</button>
      {error && <Failure error={error} />}
    </form>
  );
}
