/** The case's notes, in Markdown rendered without raw HTML, and adding one (@name mentions a teammate). */

import { type FormEvent, useState } from "react";
import ReactMarkdown from "react-markdown";

import { messageOf } from "../../api";
import { noteAdd } from "../../api/endpoints";
import { stamp } from "../../format";
import { Failure } from "../Status";
import type { Case } from "./types";

interface Props {
  caseId: number;
  notes: Case["notes"];
  onAdded: () => void;
  closed: boolean;
}

export function Notes({ caseId, notes, onAdded, closed }: Props) {
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
