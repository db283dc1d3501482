/** The team: its members and roles; leads (supervisors) and admins invite people (a new account with a
 * one-time link to choose a password, mailed when email is set up) and change roles. Only an admin gives the
 * admin role, and nobody changes their own (the server refuses it too). */

import { type FormEvent, useState } from "react";

import { invitationRenew, type Member, memberInvite, memberRoleSet, teamMembers } from "../api/endpoints";
import { useAct } from "../components/case/useAct";
import { Failure, Loading, useLoaded } from "../components/Status";
import { isChoice, textOf } from "../forms";
import { useSession } from "../session";

const ROLES: Member["role"][] = ["analyst", "supervisor", "admin"];
const LEADS = new Set(["supervisor", "admin"]);

export function Team() {
  const { user } = useSession();
  const team = useLoaded(teamMembers, "team");
  if (team.loading && !team.data) return <Loading what="your team" />;
  if (!team.data) return <Failure error={team.error ?? "not found"} retry={team.reload} />;
  const lead = LEADS.has(user?.role ?? "");
  const grantable = ROLES.filter((role) => role !== "admin" || user?.role === "admin");
  return (
    <article className="team">
      <h1>Team {team.data.team}</h1>
      <table aria-label="members">
        <thead>
          <tr>
            <th>Member</th>
            <th>Email</th>
            <th>Role</th>
            <th>Signed in</th>
          </tr>
        </thead>
        <tbody>
          {team.data.members.map((m) => (
            <tr key={m.id}>
              <td>{m.username}</td>
              <td>{m.email || "–"}</td>
              <td>
                {lead && m.username !== user?.username && (m.role !== "admin" || user?.role === "admin") ? (
                  <RolePicker member={m} roles={grantable} reload={team.reload} />
                ) : (
                  m.role
                )}
              </td>
              <td>
                {m.invited ? (
                  <>
                    invited, no password yet {lead && <NewLink member={m} />}
                  </>
                ) : m.last_login ? (
                  m.last_login.slice(0, 10)
                ) : (
                  "never"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {lead ? <InviteForm roles={grantable} reload={team.reload} /> : <p>Your team's supervisors and admins invite people.</p>}
    </article>
  );
}

/** A fresh one-time link for a teammate whose invitation expired or was lost. */
function NewLink({ member }: { member: Member }) {
  const [url, setUrl] = useState<string | null>(null);
  const { act, error } = useAct(() => undefined);
  return (
    <>
      <button type="button" onClick={() => void act(async () => setUrl((await invitationRenew(member.id)).url))}>
        New link
      </button>
      {url && <code aria-label={`new invitation link for ${member.username}`}>{url}</code>}
      {error && <Failure error={error} />}
    </>
  );
}

function RolePicker({ member, roles, reload }: { member: Member; roles: Member["role"][]; reload: () => void }) {
  const { act, error } = useAct(reload);
  return (
    <span>
      <select
        aria-label={`role of ${member.username}`}
        defaultValue={member.role}
        onChange={(event) => {
          const role = event.target.value;
          if (isChoice(ROLES, role)) void act(() => memberRoleSet(member.id, { role }));
        }}
      >
        {(roles.includes(member.role) ? roles : [...roles, member.role]).map((role) => (
          <option key={role}>{role}</option>
        ))}
      </select>
      {error && <Failure error={error} />}
    </span>
  );
}

function InviteForm({ roles, reload }: { roles: Member["role"][]; reload: () => void }) {
  const [link, setLink] = useState<{ username: string; url: string } | null>(null);
  const { act, error } = useAct(reload);
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const element = event.currentTarget;
    const form = new FormData(element);
    const role = form.get("role");
    void act(async () => {
      const made = await memberInvite({
        username: textOf(form, "username").trim(),
        email: textOf(form, "email").trim(),
        role: isChoice(ROLES, role) ? role : "analyst",
      });
      setLink({ username: made.member.username, url: made.url });
      element.reset();
    });
  }
  return (
    <section aria-labelledby="invite">
      <h2 id="invite">Invite someone</h2>
      <form className="filters" aria-label="invite" onSubmit={submit}>
        <label>
          Username
          <input name="username" required maxLength={150} />
        </label>
        <label>
          Email
          <input name="email" type="email" placeholder="for the invitation and single sign-on" />
        </label>
        <label>
          Role
          <select name="role" defaultValue="analyst">
            {roles.map((role) => (
              <option key={role}>{role}</option>
            ))}
          </select>
        </label>
        <button type="submit">Invite</button>
      </form>
      {error && <Failure error={error} />}
      {link && (
        <p role="status">
          {link.username} is in the team.{" "}
          {link.url ? (
            <>
              Their one-time link to choose a password (mailed to them when email is set up):{" "}
              <code aria-label="invitation link">{link.url}</code>
            </>
          ) : (
            "They already have a way to sign in."
          )}
        </p>
      )}
    </section>
  );
}
