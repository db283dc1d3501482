/** Open a new case with a title and a priority, and go to its page. */

import { type FormEvent, useState } from "react";
import { useNavigate } from "react-router-dom";

import { messageOf } from "../../api";
import { type Case, caseCreate } from "../../api/endpoints";
import { PRIORITIES } from "../../cases";
import { Failure } from "../Status";

export function NewCase() {
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
