/** The workflow steps the server's transitions allow (some ask for approval). A verdict (confirm illicit,
 * dismiss) records the case's addresses as training labels: a dialog names how many first, and the count
 * it showed is what the API is sent to confirm (investigations/services.py case_transition). */

import { useState } from "react";

import { approvalAsk, caseTransition, caseVerdict } from "../../api/endpoints";
import { nextSteps, type Step } from "../../cases";
import { Failure } from "../Status";
import type { Case } from "./types";
import { useAct } from "./useAct";

type Verdict = { step: Step & { kind: "transition" }; labels: number };

export function Workflow({ c, reload }: { c: Case; reload: () => void }) {
  const { act, error } = useAct(reload);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const pending = c.approvals.filter((a) => a.status === "pending");
  const steps = nextSteps(c.status, pending.some((a) => a.action === "close"));

  function take(step: Step) {
    if (step.kind === "approval") return void act(() => approvalAsk(c.id, { action: step.to }));
    if (step.to !== "confirmed" && step.to !== "dismissed") return void act(() => caseTransition(c.id, { to: step.to }));
    void act(async () => setVerdict({ step, labels: (await caseVerdict(c.id)).labels }));
  }

  return (
    <div className="workflow">
      <div className="actions" role="group" aria-label="workflow">
        {steps.map((step) => (
          <button key={step.to} type="button" onClick={() => take(step)} disabled={verdict !== null}>
            {step.label}
          </button>
        ))}
        {!pending.some((a) => a.action === "export") && (
          <button type="button" onClick={() => void act(() => approvalAsk(c.id, { action: "export" }))}>
            Ask to export a report
          </button>
        )}
      </div>
      {verdict && (
        <VerdictDialog
          verdict={verdict}
          cancel={() => setVerdict(null)}
          confirm={() =>
            void act(async () => {
              try {
                await caseTransition(c.id, { to: verdict.step.to, labels: verdict.labels });
                setVerdict(null);
              } catch (failure) {
                // The count moved (a subject added meanwhile): the dialog names the new one for the next try.
                setVerdict({ step: verdict.step, labels: (await caseVerdict(c.id)).labels });
                throw failure;
              }
            })
          }
        />
      )}
      {error && <Failure error={error} />}
    </div>
  );
}

function VerdictDialog({ verdict, cancel, confirm }: { verdict: Verdict; cancel: () => void; confirm: () => void }) {
  const illicit = verdict.step.to === "confirmed";
  const n = verdict.labels;
  const addresses = `${n.toLocaleString("en")} address${n === 1 ? "" : "es"}`;
  return (
    <div role="dialog" aria-modal="false" aria-labelledby="verdict-title" className="verdict-dialog">
      <h3 id="verdict-title">{illicit ? "Confirm illicit?" : "Dismiss?"}</h3>
      <p>
        {n === 0
          ? "The case has no addresses yet: no training labels are recorded."
          : `${addresses} of this case become ${illicit ? "illicit" : "licit"} training labels: the next model learns from them.`}
      </p>
      <div className="actions">
        <button type="button" onClick={confirm}>
          {illicit ? "Confirm illicit" : "Dismiss"}
          {n > 0 && `, record ${n.toLocaleString("en")} label${n === 1 ? "" : "s"}`}
        </button>
        <button type="button" onClick={cancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
