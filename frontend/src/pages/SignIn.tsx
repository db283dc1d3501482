import { type FormEvent, useState } from "react";
import { useLocation, useNavigate } from "react-router-dom";

import { messageOf } from "../api";
import { sessionRead } from "../api/endpoints";
import { useLoaded } from "../components/Status";
import { useSession } from "../session";

export function SignIn() {
  const { signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sso = useLoaded(sessionRead, "sso").data?.sso; // the organisation's single sign-on, when it is on
  const ssoFailed = new URLSearchParams(location.search).get("sso") === "failed";

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(String(form.get("username")), String(form.get("password")));
      navigate((location.state as { from?: string } | null)?.from ?? "/", { replace: true });
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>ChainSleuth</h1>
      <form onSubmit={submit} aria-label="sign in">
        <label>
          Username
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p className="failure" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {sso && (
        <p>
          <a href={sso}>Sign in with single sign-on</a>
        </p>
      )}
      {ssoFailed && (
        <p className="failure" role="alert">
          Single sign-on did not sign you in: ask your team's lead to invite you with the email your organisation knows you by.
        </p>
      )}
    </main>
  );
}
