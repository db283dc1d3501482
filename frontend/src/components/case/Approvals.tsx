/** What waits for a second person's approval (four eyes: the server refuses the one who asked). */

import { approvalDecide } from "../../api/endpoints";
import type { Act, Case } from "./types";

export function Approvals({ c, act }: { c: Case; act: Act }) {
  const pending = c.approvals.filter((a) => a.status === "pending");
  if (!pending.length) return null;
  return (
    <section aria-labelledby="approvals">
      <h2 id="approvals">Waiting for approval</h2>
      <ul>
        {pending.map((a) => (
          <li key={a.id}>
            {a.action === "close" ? "Close the case" : "Export a report"}, asked by {a.requested_by}{" "}
            <button type="button" onClick={() => void act(() => approvalDecide(a.id, { approve: true }))}>
              Approve {a.action}
            </button>{" "}
            <button type="button" onClick={() => void act(() => approvalDecide(a.id, { approve: false }))}>
              Reject {a.action}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
