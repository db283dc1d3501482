/** A case: its details (title, summary, due date, assignee from the team), its workflow (with four-eyes
 * approval and a confirmation before a verdict trains the next model), subjects, markdown notes, evidence
 * with hashes, reports (PDF and CSV, made once a second person approves the export) and the audit trail.
 * Each form shows its own failure beside it. */

import ReactMarkdown from "react-markdown";
import { Link, useParams } from "react-router-dom";

import { caseDetail } from "../api/endpoints";
import { STATUS_WORDS } from "../cases";
import { Approvals } from "../components/case/Approvals";
import { Audit } from "../components/case/Audit";
import { Details } from "../components/case/Details";
import { Evidence } from "../components/case/Evidence";
import { Notes } from "../components/case/Notes";
import { Reports } from "../components/case/Reports";
import { Subjects } from "../components/case/Subjects";
import type { Case } from "../components/case/types";
import { Workflow } from "../components/case/Workflow";
import { Failure, Loading, useLoaded } from "../components/Status";

export function CasePage() {
  const { caseId = "" } = useParams();
  const found = useLoaded(() => caseDetail(caseId), caseId);

  if (found.loading && !found.data) return <Loading what="the case" />;
  if (found.error || !found.data) return <Failure error={found.error ?? "not found"} retry={found.reload} />;
  const c = found.data;
  const version = caseVersion(c);
  const open = c.status !== "closed";
  return (
    <article className="case-page">
      <h1>
        #{c.id} {c.title}
      </h1>
      <p>
        <strong>{STATUS_WORDS[c.status]}</strong> · priority {c.priority} · assignee {c.assignee ?? "none"} · due{" "}
        {c.due ?? "–"} · <Link to={`/explore?case=${c.id}`}>Explore its subjects</Link>
      </p>
      {open ? (
        <Details key={c.updated_at} c={c} reload={found.reload} />
      ) : (
        c.summary && <ReactMarkdown>{c.summary}</ReactMarkdown>
      )}
      <Workflow c={c} reload={found.reload} />
      <Approvals c={c} reload={found.reload} />
      <Subjects c={c} reload={found.reload} />
      <Notes caseId={c.id} notes={c.notes} onAdded={found.reload} closed={!open} />
      <Evidence c={c} reload={found.reload} />
      <Reports caseId={c.id} version={version} />
      <Audit caseId={c.id} version={version} />
    </article>
  );
}

/** Changes whenever the case does, so what hangs off it (reports, the audit trail, the details form's
 * starting values) is read again. */
function caseVersion(c: Case): string {
  return [c.status, c.updated_at, c.subjects.length, c.notes.length, c.evidence.length, ...c.approvals.map((a) => a.status)].join(":");
}
