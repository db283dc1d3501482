/** The case's title, summary, priority, due date and assignee, edited in one form; the assignee is picked
 * from the team's members (GET /team/members/), and only the fields that changed are sent. */

import { type FormEvent, useState } from "react";

import { type CaseChange, teamMembers } from "../../api/endpoints";
import { caseUpdate } from "../../api/endpoints";
import { PRIORITIES } from "../../cases";
import { isoDay } from "../../format";
import { isChoice, textOf } from "../../forms";
import { DateField } from "../explorer/DateField";
import { Failure, useLoaded } from "../Status";
import type { Case } from "./types";
import { useAct } from "./useAct";

const PRIORITY_CHOICES = PRIORITIES as Case["priority"][];

export function Details({ c, reload }: { c: Case; reload: () => void }) {
  const members = useLoaded(teamMembers, "team");
  const [due, setDue] = useState(c.due ?? "");
  const { act, error } = useAct(reload);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const change = changed(c, form, due);
    if (change === null) return;
    void act(() => caseUpdate(c.id, change));
  }

  return (
    <form className="case-details" aria-label="case details" onSubmit={submit}>
      <label>
        Title
        <input name="title" defaultValue={c.title} required maxLength={200} />
      </label>
      <label>
        Summary (Markdown)
        <textarea name="summary" rows={3} defaultValue={c.summary} />
      </label>
      <div className="filters">
        <label>
          Priority
          <select name="priority" defaultValue={c.priority}>
            {PRIORITIES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <DateField label="Due" value={due} onChange={setDue} />
        <label>
          Assignee
          <select name="assignee" defaultValue={c.assignee ?? ""} key={members.data ? "loaded" : "loading"}>
            <option value="">nobody</option>
            {(members.data?.members ?? []).map((m) => (
              <option key={m.id} value={m.username}>
                {m.username} ({m.role})
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Save details</button>
      </div>
      {members.error && <Failure error={`the team's members: ${members.error}`} retry={members.reload} />}
      {error && <Failure error={error} />}
    </form>
  );
}

/** The fields the form changed, as the API's body; null when nothing did. A due date that is not yyyy-mm-dd
 * is sent as it is, so the server's refusal names it beside the form. */
function changed(c: Case, form: FormData, due: string): CaseChange | null {
  const change: CaseChange = {};
  const title = textOf(form, "title").trim();
  const summary = textOf(form, "summary");
  const priority = form.get("priority");
  const assignee = textOf(form, "assignee");
  if (title !== c.title) change.title = title;
  if (summary !== c.summary) change.summary = summary;
  if (isChoice(PRIORITY_CHOICES, priority) && priority !== c.priority) change.priority = priority;
  if ((due || null) !== c.due) change.due = due === "" ? null : (isoDay(due) ?? due);
  if ((assignee || null) !== c.assignee) change.assignee = assignee || null;
  return Object.keys(change).length ? change : null;
}
