/** What waits for a second person's approval. Four eyes: whoever asked, and an analyst, is not offered
 * Approve (the server refuses them too); they see who it waits for instead. */

import { approvalDecide } from "../../api/endpoints";
import { useSession } from "../../session";
import { Failure } from "../Status";
import type { Case } from "./types";
import { useAct } from "./useAct";

const DECIDERS = new Set(["supervisor", "admin"]);

export function Approvals({ c, reload }: { c: Case; reload: () => void }) {
  const { user } = useSession();
  const { act, error } = useAct(reload);
  const pending = c.approvals.filter((a) => a.status === "pending");
  if (!pending.length) return null;
  return (
    <section aria-labelledby="approvals">
      <h2 id="approvals">Waiting for approval</h2>
      <ul>
        {pending.map((a) => {
          const what = a.action === "close" ? "Close the case" : "Export a report";
          const mayDecide = DECIDERS.has(user?.role ?? "") && a.requested_by !== user?.username;
          return (
            <li key={a.id}>
              {what}, asked by {a.requested_by}{" "}
              {mayDecide ? (
                <>
                  <button type="button" onClick={() => void act(() => approvalDecide(a.id, { approve: true }))}>
                    Approve {a.action}
                  </button>{" "}
                  <button type="button" onClick={() => void act(() => approvalDecide(a.id, { approve: false }))}>
                    Reject {a.action}
                  </button>
                </>
              ) : (
                <em>
                  {a.requested_by === user?.username
                    ? "waiting for another supervisor or admin (four eyes)"
                    : "waiting for a supervisor or admin"}
                </em>
              )}
            </li>
          );
        })}
      </ul>
      {error && <Failure error={error} />}
    </section>
  );
}
