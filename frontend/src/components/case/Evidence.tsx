/** The case's evidence with its SHA-256 (files uploaded, views saved from the explorer), and uploading a file. */

import { evidenceFileAdd } from "../../api/endpoints";
import { shortId, stamp } from "../../format";
import { Failure } from "../Status";
import type { Case } from "./types";
import { useAct } from "./useAct";

export function Evidence({ c, reload }: { c: Case; reload: () => void }) {
  const { act, error } = useAct(reload);
  return (
    <>
      <section aria-labelledby="evidence">
        <h2 id="evidence">Evidence</h2>
        {c.evidence.length === 0 ? (
          <p>None yet: save a view from the explorer.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Kind</th>
                <th>SHA-256</th>
                <th>By</th>
                <th>At</th>
              </tr>
            </thead>
            <tbody>
              {c.evidence.map((e) => (
                <tr key={e.id}>
                  <td>{e.name}</td>
                  <td>{e.kind}</td>
                  <td className="ref" title={e.sha256}>
                    {shortId(e.sha256, 10)}
                  </td>
                  <td>{e.acquired_by}</td>
                  <td>{stamp(e.acquired_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {c.status !== "closed" && (
        <form
          className="filters"
          aria-label="add evidence"
          onSubmit={(event) => {
            event.preventDefault();
            const form = event.currentTarget;
            void act(() => evidenceFileAdd(c.id, new FormData(form))).then(() => form.reset());
          }}
        >
          <label>
            Evidence file
            <input name="file" type="file" required />
          </label>
          <button type="submit">Upload</button>
          {error && <Failure error={error} />}
        </form>
      )}
    </>
  );
}
