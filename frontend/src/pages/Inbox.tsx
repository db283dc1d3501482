/** The inbox: approvals waiting for my decision (never my own requests: four eyes) and my notifications
 * (mentions, assignments, decisions), newest first, each linking to its case; and the navigation's link
 * with the unread count, read again every 15 s and whenever the inbox changes. */

import { useEffect, useState } from "react";
import { Link, NavLink } from "react-router-dom";

import { approvalDecide, inboxCount, inboxRead, type InboxItem, notificationsRead } from "../api/endpoints";
import { useAct } from "../components/case/useAct";
import { usePolled } from "../components/dashboard/usePolled";
import { Failure, Loading } from "../components/Status";
import { stamp } from "../format";

const CHANGED = "chainsleuth:inbox-changed"; // the inbox told the navigation's count to look again

function changed() {
  window.dispatchEvent(new Event(CHANGED));
}

export function Inbox() {
  const inbox = usePolled(inboxRead, "inbox", 15_000);
  const reload = () => {
    inbox.reload();
    changed();
  };
  const { act, error } = useAct(reload);
  if (inbox.loading && !inbox.data) return <Loading what="your inbox" />;
  if (!inbox.data) return <Failure error={inbox.error ?? "not found"} retry={inbox.reload} />;
  const { approvals, notifications, unread } = inbox.data;
  return (
    <article className="inbox">
      <h1>Inbox</h1>
      <section aria-labelledby="waiting">
        <h2 id="waiting">Waiting for your approval</h2>
        {approvals.length === 0 ? (
          <p>Nothing waits for you.</p>
        ) : (
          <ul>
            {approvals.map((a) => (
              <li key={a.id}>
                <Link to={`/cases/${a.case}`}>
                  #{a.case} {a.case_title}
                </Link>
                : {a.action === "close" ? "close the case" : "export a report"}, asked by {a.requested_by} on{" "}
                {stamp(a.requested_at)}{" "}
                <button type="button" onClick={() => void act(() => approvalDecide(a.id, { approve: true }))}>
                  Approve {a.action} of #{a.case}
                </button>{" "}
                <button type="button" onClick={() => void act(() => approvalDecide(a.id, { approve: false }))}>
                  Reject
                </button>
              </li>
            ))}
          </ul>
        )}
        {error && <Failure error={error} />}
      </section>
      <section aria-labelledby="notifications">
        <h2 id="notifications">Notifications</h2>
        <p className="filters">
          <span aria-label="unread notifications">{unread} unread</span>
          {unread > 0 && (
            <button type="button" onClick={() => void act(() => notificationsRead({}))}>
              Mark all read
            </button>
          )}
        </p>
        {notifications.length === 0 ? <p>No notifications yet.</p> : <Notifications items={notifications} act={act} />}
      </section>
    </article>
  );
}

function Notifications({ items, act }: { items: InboxItem[]; act: ReturnType<typeof useAct>["act"] }) {
  return (
    <ul className="notifications">
      {items.map((n) => (
        <li key={n.id} className={n.read_at ? "read" : "unread"}>
          <Link to={`/cases/${n.case}`} onClick={() => !n.read_at && void notificationsRead({ ids: [n.id] }).then(changed)}>
            {n.text}
          </Link>{" "}
          <span className="muted">{stamp(n.created_at)}</span>{" "}
          {!n.read_at && (
            <button type="button" onClick={() => void act(() => notificationsRead({ ids: [n.id] }))}>
              Mark read
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/** The navigation's Inbox link, with the unread notifications (red) and the approvals waiting for me
 * (amber) counted apart: an approval stays waiting after its notification is read. */
export function InboxLink() {
  const [round, setRound] = useState(0);
  const count = usePolled(inboxCount, `count:${round}`, 15_000);
  useEffect(() => {
    const again = () => setRound((n) => n + 1);
    window.addEventListener(CHANGED, again);
    return () => window.removeEventListener(CHANGED, again);
  }, []);
  const unread = count.data?.unread ?? 0;
  const approvals = count.data?.approvals ?? 0;
  return (
    <NavLink to="/inbox">
      Inbox
      {unread > 0 && (
        <span className="badge" aria-label={`${unread} unread notification${unread === 1 ? "" : "s"}`}>
          {unread}
        </span>
      )}
      {approvals > 0 && (
        <span className="badge waiting" aria-label={`${approvals} approval${approvals === 1 ? "" : "s"} waiting for you`}>
          {approvals}
        </span>
      )}
    </NavLink>
  );
}
