/** Assign the case, and the workflow steps the server's transitions allow (some ask for approval). */

import { approvalAsk, caseTransition, caseUpdate } from "../../api/endpoints";
import { nextSteps } from "../../cases";
import type { Act, Case } from "./types";

export function AssignForm({ c, act }: { c: Case; act: Act }) {
  return (
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
  );
}

export function Workflow({ c, act }: { c: Case; act: Act }) {
  const pending = c.approvals.filter((a) => a.status === "pending");
  const steps = nextSteps(c.status, pending.some((a) => a.action === "close"));
  return (
    <div className="actions" role="group" aria-label="workflow">
      {steps.map((step) => (
        <button
          key={step.to}
          type="button"
          onClick={() =>
            void (step.kind === "transition"
              ? act(() => caseTransition(c.id, { to: step.to }))
              : act(() => approvalAsk(c.id, { action: step.to })))
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
  );
}
