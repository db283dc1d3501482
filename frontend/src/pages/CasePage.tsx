/** A case: its workflow (with four-eyes approval), subjects, markdown notes, evidence with hashes, reports
 * (PDF and CSV, made once a second person approves the export) and the audit trail. */

import { useState } from "react";
import { Link, useParams } from "react-router-dom";

import { messageOf } from "../api";
import { caseDetail } from "../api/endpoints";
import { STATUS_WORDS } from "../cases";
import { Approvals } from "../components/case/Approvals";
import { Audit } from "../components/case/Audit";
import { Evidence } from "../components/case/Evidence";
import { Notes } from "../components/case/Notes";
import { Reports } from "../components/case/Reports";
import { Subjects } from "../components/case/Subjects";
import type { Act, Case } from "../components/case/types";
import { AssignForm, Workflow } from "../components/case/Workflow";
import { Failure, Loading, useLoaded } from "../components/Status";

export function CasePage() {
  const { caseId = "" } = useParams();
  const found = useLoaded(() => caseDetail(caseId), caseId);
  const [error, setError] = useState<string | null>(null);

  const act: Act = async (call) => {
    setError(null);
    try {
      await call();
      found.reload();
    } catch (failure) {
      setError(messageOf(failure));
    }
  };

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
        <strong>{STATUS_WORDS[c.status]}</strong> · priority {c.priority} · assignee {c.assignee ?? "none"} ·{" "}
        <Link to={`/explore?case=${c.id}`}>Explore its subjects</Link>
      </p>
      {open && <AssignForm c={c} act={act} />}
      <Workflow c={c} act={act} />
      {error && <Failure error={error} />}
      <Approvals c={c} act={act} />
      <Subjects c={c} act={act} />
      <Notes caseId={c.id} notes={c.notes} onAdded={found.reload} closed={!open} />
      <Evidence c={c} act={act} />
      <Reports caseId={c.id} version={version} act={act} />
      <Audit caseId={c.id} version={version} />
    </article>
  );
}

/** Changes whenever the case does, so what hangs off it (reports, the audit trail) is read again. */
function caseVersion(c: Case): string {
  return [c.status, c.assignee, c.subjects.length, c.notes.length, c.evidence.length, ...c.approvals.map((a) => a.status)].join(":");
}
