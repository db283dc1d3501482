/** The team's cases, narrowed by status, priority and assignee (a teammate, or nobody), and a new case. */

import { useState } from "react";
import { Link } from "react-router-dom";

import { casesList, teamMembers } from "../api/endpoints";
import { PRIORITIES, STATUS_WORDS } from "../cases";
import { NewCase } from "../components/cases/NewCase";
import { Failure, Loading, useLoaded } from "../components/Status";
import { stamp } from "../format";

export function Cases() {
  const [status, setStatus] = useState("");
  const [priority, setPriority] = useState("");
  const [assignee, setAssignee] = useState("");
  const members = useLoaded(teamMembers, "team");
  const cases = useLoaded(() => casesList({ status, priority, assignee }), `${status}:${priority}:${assignee}`);
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
        <label>
          Assignee
          <select value={assignee} onChange={(e) => setAssignee(e.target.value)}>
            <option value="">anyone</option>
            <option value="none">nobody</option>
            {(members.data?.members ?? []).map((m) => (
              <option key={m.id} value={m.username}>
                {m.username}
              </option>
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
              <th>Due</th>
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
                <td>{c.due ?? "–"}</td>
                <td>{stamp(c.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
