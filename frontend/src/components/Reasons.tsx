/** Why the model scored an address, or flagged a cluster's members: each reason in words, which way it pushed
 * the risk and its share of the weight, and the neighbours that pushed it up, each a link into the explorer.
 * The wording is the server's (graphml/wording.py), so the PDF and the pages say the same. */

import { Link } from "react-router-dom";

import { addressReasons, clusterReasons, type Reasons as Answer } from "../api/endpoints";
import { riskLevel, shortId } from "../format";
import { Failure, Loading, useLoaded } from "./Status";

export function Reasons({ kind, of }: { kind: "address" | "cluster"; of: string }) {
  const found = useLoaded(() => (kind === "address" ? addressReasons(of) : clusterReasons(of)), `${kind}:${of}`);
  return (
    <section aria-labelledby="reasons">
      <h2 id="reasons">{kind === "address" ? "Why the model scored it" : "Why the model flagged this cluster"}</h2>
      {found.loading && <Loading what="the reasons" />}
      {found.error && <Failure error={found.error} retry={found.reload} />}
      {found.data && <Explained reasons={found.data} kind={kind} />}
    </section>
  );
}

function Explained({ reasons, kind }: { reasons: Answer; kind: "address" | "cluster" }) {
  if (reasons.explained === 0) {
    return (
      <p>
        {kind === "address" ? "No reasons for this address yet" : "No member of this cluster has reasons yet"}: a
        labeling job explains the flagged addresses it scores.
      </p>
    );
  }
  return (
    <>
      {kind === "cluster" && (
        <p className="count">
          Combined from {reasons.explained} explained member{reasons.explained === 1 ? "" : "s"}, model{" "}
          {reasons.model ?? "–"}.
        </p>
      )}
      {reasons.notes.map((note) => (
        <p className="notice" key={note}>
          {note}
        </p>
      ))}
      <table aria-label="reasons">
        <thead>
          <tr>
            <th>Reason</th>
            <th>Effect</th>
            <th>Weight</th>
          </tr>
        </thead>
        <tbody>
          {reasons.reasons.map((reason) => (
            <tr key={reason.feature} title={reason.feature}>
              <td>{reason.text}</td>
              <td>{effect(reason.direction)}</td>
              <td>{reason.weight === null ? "–" : <Weight share={reason.weight} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Neighbours reasons={reasons} kind={kind} />
    </>
  );
}

function effect(direction: string | null): string {
  if (direction === "raises") return "raises the risk";
  if (direction === "lowers") return "lowers the risk";
  return "–";
}

function Weight({ share }: { share: number }) {
  const percent = Math.round(share * 100);
  return (
    <span>
      <meter min={0} max={1} value={share} aria-label={`${percent} % of the weight`} style={{ width: 60 }} />{" "}
      {percent} %
    </span>
  );
}

function Neighbours({ reasons, kind }: { reasons: Answer; kind: "address" | "cluster" }) {
  if (reasons.neighbours.length === 0) return <p>No neighbour pushed its score up.</p>;
  return (
    <>
      <h3>Influential neighbours</h3>
      <ul aria-label="influential neighbours">
        {reasons.neighbours.map((n) => (
          <li key={n.address}>
            <Link
              className="ref"
              to={`/explore?address=${encodeURIComponent(n.address)}`}
              title="open it in the explorer"
            >
              {n.address}
            </Link>{" "}
            <span className={`risk ${riskLevel(n.risk)}`}>{riskLevel(n.risk)}</span>
            {n.same_cluster && " · in the same cluster"}
            {kind === "cluster" && ` · pushed up ${n.influenced} member${n.influenced === 1 ? "" : "s"}`}
            {" · "}
            <Link to={`/addresses/${encodeURIComponent(n.address)}`} aria-label={`details of ${shortId(n.address)}`}>
              details
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
