/** A case: its workflow (with four-eyes approval), subjects, markdown notes, evidence with hashes, reports
 * (PDF and CSV, made once a second person approves the export) and the audit trail. */

import { type FormEvent, useState } from "react";
import ReactMarkdown from "react-markdown";
import { Link, useParams } from "react-router-dom";

import { messageOf } from "../api";
import {
  type ApprovalIn,
  approvalAsk,
  approvalDecide,
  type CaseDetail as Case,
  caseAudit,
  caseDetail,
  caseReports,
  caseTransition,
  caseUpdate,
  evidenceFileAdd,
  noteAdd,
  reportFileHref,
  reportRetry,
  type StepIn,
  type SubjectIn,
  subjectAdd,
} from "../api/endpoints";
import { nextSteps, STATUS_WORDS } from "../cases";
import { Failure, Loading, useLoaded } from "../components/Status";
import { shortId, stamp } from "../format";

export function CasePage() {
  const { caseId = "" } = useParams();
  const found = useLoaded(() => caseDetail(caseId), caseId);
  const version = found.data ? caseVersion(found.data) : "";
  const reports = useLoaded(() => caseReports(caseId), `${caseId}:${version}`);
  const [error, setError] = useState<string | null>(null);

  async function act(call: () => Promise<unknown>) {
    setError(null);
    try {
      await call();
      found.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  if (found.loading && !found.data) return <Loading what="the case" />;
  if (found.error || !found.data) return <Failure error={found.error ?? "not found"} retry={found.reload} />;
  const c = found.data;
  const pending = c.approvals.filter((a) => a.status === "pending");
  const steps = nextSteps(c.status, pending.some((a) => a.action === "close"));
  return (
    <article className="case-page">
      <h1>
        #{c.id} {c.title}
      </h1>
      <p>
        <strong>{STATUS_WORDS[c.status]}</strong> · priority {c.priority} · assignee {c.assignee ?? "none"} ·{" "}
        <Link to={`/explore?case=${c.id}`}>Explore its subjects</Link>
      </p>
      {c.status !== "closed" && (
        <form
          className="filters"
          aria-label="assign"
          onSubmit={(event) => {
            event.preventDefault();
            const assignee = new FormData(event.currentTarget).get("assignee") as string;
            void act(() => caseUpdate(c.id, { assignee }));
          }}
        >
          <label>
            Assignee
            <input name="assignee" defaultValue={c.assignee ?? ""} placeholder="username; empty: nobody" />
          </label>
          <button type="submit">Assign</button>
        </form>
      )}
      <div className="actions" role="group" aria-label="workflow">
        {steps.map((step) => (
          <button
            key={step.to}
            type="button"
            onClick={() =>
              void (step.kind === "transition"
                ? act(() => caseTransition(c.id, { to: step.to } as StepIn))
                : act(() => approvalAsk(c.id, { action: step.to } as ApprovalIn)))
            }
          >
            {step.label}
          </button>
        ))}
        {!pending.some((a) => a.action === "export") && (
          <button type="button" onClick={() => void act(() => approvalAsk(c.id, { action: "export" }))}>
            Ask to export a report
          </button>
        )}
      </div>
      {error && <Failure error={error} />}
      {pending.length > 0 && (
        <section aria-labelledby="approvals">
          <h2 id="approvals">Waiting for approval</h2>
          <ul>
            {pending.map((a) => (
              <li key={a.id}>
                {a.action === "close" ? "Close the case" : "Export a report"}, asked by {a.requested_by}{" "}
                <button type="button" onClick={() => void act(() => approvalDecide(a.id, { approve: true }))}>
                  Approve {a.action}
                </button>{" "}
                <button type="button" onClick={() => void act(() => approvalDecide(a.id, { approve: false }))}>
                  Reject {a.action}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
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
              void act(() => subjectAdd(c.id, { kind: form.get("kind"), ref: String(form.get("ref")).trim() } as SubjectIn));
              event.currentTarget.reset();
            }}
          >
            <select name="kind" aria-label="subject kind" defaultValue="address">
              <option value="address">address</option>
              <option value="cluster">cluster</option>
              <option value="transaction">transaction</option>
            </select>
            <input name="ref" aria-label="subject" size={45} required />
            <button type="submit">Add subject</button>
          </form>
        )}
      </section>
      <Notes caseId={c.id} notes={c.notes} onAdded={found.reload} closed={c.status === "closed"} />
      <section aria-labelledby="evidence">
        <h2 id="evidence">Evidence</h2>
        {c.evidence.length === 0 ? (
          <p>None yet: save a view from the explorer.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>SHA-256</th>
                <th>By</th>
                <th>At</th>
              </tr>
            </thead>
            <tbody>
              {c.evidence.map((e) => (
                <tr key={e.id}>
                  <td>{e.name}</td>
                  <td>{e.kind}</td>
                  <td className="ref" title={e.sha256}>
                    {shortId(e.sha256, 10)}
                  </td>
                  <td>{e.acquired_by}</td>
                  <td>{stamp(e.acquired_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {c.status !== "closed" && (
        <form
          className="filters"
          aria-label="add evidence"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            void act(() => evidenceFileAdd(c.id, new FormData(form))).then(() => form.reset());
          }}
        >
          <label>
            Evidence file
            <input name="file" type="file" required />
          </label>
          <button type="submit">Upload</button>
        </form>
      )}
      <section aria-labelledby="reports">
        <h2 id="reports">Reports</h2>
        {reports.error && <Failure error={reports.error} retry={reports.reload} />}
        {reports.data && reports.data.length === 0 && <p>None yet: a report is made when its export is approved.</p>}
        <ul>
          {reports.data?.map((r) =>
            r.status === "ready" ? (
              <li key={r.id}>
                Report {r.id} ({stamp(r.generated_at)}):{" "}
                <a href={reportFileHref(c.id, r.id, "pdf")} download>
                  PDF
                </a>{" "}
                <a href={reportFileHref(c.id, r.id, "csv")} download>
                  CSV
                </a>
              </li>
            ) : (
              <li key={r.id}>
                Report {r.id}: {r.status === "failed" ? `failed after ${r.attempts} attempt(s)` : "being made"}
                {r.last_error && <span role="alert"> — {r.last_error}</span>}{" "}
                <button
                  type="button"
                  onClick={() => void act(() => reportRetry(c.id, r.id)).then(reports.reload)}
                >
                  Retry now
                </button>
              </li>
            ),
          )}
        </ul>
      </section>
      <Audit caseId={c.id} version={version} />
    </article>
  );
}

function subjectPage(kind: string, ref: string): string {
  const page = { address: "addresses", cluster: "clusters", transaction: "transactions" }[kind] ?? "addresses";
  return `/${page}/${encodeURIComponent(ref)}`;
}

/** Changes whenever the case does, so what hangs off it (reports, the audit trail) is read again. */
function caseVersion(c: Case): string {
  return [c.status, c.assignee, c.subjects.length, c.notes.length, c.evidence.length, ...c.approvals.map((a) => a.status)].join(":");
}

function Notes({ caseId, notes, onAdded, closed }: { caseId: number; notes: Case["notes"]; onAdded: () => void; closed: boolean }) {
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    try {
      await noteAdd(caseId, { body: new FormData(form).get("body") as string });
      form.reset();
      onAdded();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }
  return (
    <section aria-labelledby="notes">
      <h2 id="notes">Notes</h2>
      {notes.map((note) => (
        <div key={note.id} className="note">
          <div className="note-head">
            {note.author}, {stamp(note.created_at)}
          </div>
          <ReactMarkdown>{note.body}</ReactMarkdown>
        </div>
      ))}
      {!closed && (
        <form onSubmit={submit} aria-label="add a note">
          <label>
            Note (Markdown; @name mentions a teammate)
            <textarea name="body" rows={3} required />
          </label>
          <button type="submit">Add note</button>
          {error && <Failure error={error} />}
        </form>
      )}
    </section>
  );
}

function Audit({ caseId, version }: { caseId: number; version: string }) {
  const rows = useLoaded(() => caseAudit(caseId), `${caseId}:${version}`);
  return (
    <section aria-labelledby="audit">
      <h2 id="audit">Audit trail</h2>
      {rows.loading && <Loading what="the audit trail" />}
      {rows.error && <Failure error={rows.error} retry={rows.reload} />}
      {rows.data && (
        <table>
          <tbody>
            {rows.data.map((row) => (
              <tr key={row.seq}>
                <td>{stamp(row.at, true)}</td>
                <td>{row.actor}</td>
                <td>{row.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
