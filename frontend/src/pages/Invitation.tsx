/** An invited person's first visit: choose a password from the one-time link a lead passed on. */

import { type FormEvent, useState } from "react";
import { useParams } from "react-router-dom";

import { messageOf } from "../api";
import { invitationAccept } from "../api/endpoints";
import { textOf } from "../forms";

export function Invitation() {
  const { uid = "", token = "" } = useParams();
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    if (textOf(form, "password") !== textOf(form, "again")) return setError("the two passwords differ");
    try {
      await invitationAccept({ uid, token, password: textOf(form, "password") });
      window.location.assign("/app/"); // signed in: the app starts again with the session
    } catch (failure) {
      setError(messageOf(failure));
    }
  }
  return (
    <main className="sign-in">
      <h1>Welcome to ChainSleuth</h1>
      <form onSubmit={submit} aria-label="choose a password">
        <label>
          New password (at least 12 characters)
          <input name="password" type="password" autoComplete="new-password" required minLength={12} />
        </label>
        <label>
          The same again
          <input name="again" type="password" autoComplete="new-password" required />
        </label>
        {error && (
          <p className="failure" role="alert">
            {error}
          </p>
        )}
        <button type="submit">Choose password and sign in</button>
      </form>
    </main>
  );
}
