/** The explorer's graph: addresses and transactions (bipartite, as the chain is), built up one expansion
 * at a time from the API's answers. Pure functions returning new models, so React sees each change and
 * the rules are unit-tested without a browser. */

import type { Schemas, Sent } from "../api/endpoints";
import { categoryColour, riskColour, shortId } from "../format";

export type NodeKind = "address" | "transaction";

export interface GraphNode {
  id: string; // "a:<address>" or "t:<txid>"
  kind: NodeKind;
  ref: string; // the address or txid
  risk: number | null;
  cluster: string | null;
  expanded: boolean;
  cut: boolean; // the last expansion did not bring every neighbour
  hidden: boolean;
  pinned: boolean;
  note: string;
  time: number | null; // block time (transactions)
  category?: string | null; // the address's tag category, once looked up (undefined: not yet)
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  value: number | null; // satoshis on the edge
}

export interface GraphModel {
  nodes: Record<string, GraphNode>;
  edges: Record<string, GraphEdge>;
}

/** What the graph's answers need of each schema object (generated types, schema.d.ts): the fields these
 * functions read, so a test can build one by hand. */
type Of<Name extends keyof Schemas, Fields extends keyof Sent<Schemas[Name]>> = Pick<Sent<Schemas[Name]>, Fields>;

/** The API's page of answers (graph/explore.py Page, investigations/api/answers.py PageOut). */
export type Page<T> = Of<"NeighbourPageOut", "cut" | "returned" | "matched" | "total" | "notes"> & { items: T[] };

export type NeighbourEdge = Of<"NeighbourOut", "txid" | "time" | "height" | "value" | "direction">;

export type AddressDetail = Of<"AddressDetailOut", "address" | "risk" | "cluster">;

export type TransactionDetail = Of<"TransactionDetailOut", "txid" | "time"> & {
  inputs: Page<Of<"TransactionInputOut", "address" | "value" | "risk">>;
  outputs: Page<Of<"TransactionOutputOut", "n" | "address" | "value" | "risk">>;
};

export const emptyModel = (): GraphModel => ({ nodes: {}, edges: {} });
export const addressId = (address: string) => `a:${address}`;
export const txId = (txid: string) => `t:${txid}`;

function node(kind: NodeKind, ref: string, extra: Partial<GraphNode> = {}): GraphNode {
  const id = kind === "address" ? addressId(ref) : txId(ref);
  const base = { id, kind, ref, risk: null, cluster: null, expanded: false, cut: false, hidden: false, pinned: false };
  return { ...base, note: "", time: null, ...extra };
}

/** Add a node, or keep the one there (what is known of it, its pins and notes stay; a score the answer
 * brings replaces none). */
function ensure(nodes: Record<string, GraphNode>, fresh: GraphNode): void {
  const known = nodes[fresh.id];
  nodes[fresh.id] = known
    ? { ...known, hidden: false, time: known.time ?? fresh.time, risk: fresh.risk ?? known.risk }
    : fresh;
}

function link(edges: Record<string, GraphEdge>, source: string, target: string, value: number | null): void {
  const id = `${source}->${target}`;
  const known = edges[id];
  edges[id] = { id, source, target, value: known && value !== null ? Math.max(known.value ?? 0, value) : value };
}

export function withAddress(model: GraphModel, detail: AddressDetail): GraphModel {
  const nodes = { ...model.nodes };
  const id = addressId(detail.address);
  nodes[id] = { ...(nodes[id] ?? node("address", detail.address)), risk: detail.risk, cluster: detail.cluster };
  return { ...model, nodes };
}

/** An address's transactions: it spends into those `out`, those `in` pay it. */
export function withNeighbours(model: GraphModel, address: string, page: Page<NeighbourEdge>): GraphModel {
  const nodes = { ...model.nodes };
  const edges = { ...model.edges };
  const center = addressId(address);
  ensure(nodes, node("address", address));
  for (const edge of page.items) {
    const tx = txId(edge.txid);
    ensure(nodes, node("transaction", edge.txid, { time: edge.time }));
    if (edge.direction === "out") link(edges, center, tx, edge.value);
    else link(edges, tx, center, edge.value);
  }
  nodes[center] = { ...nodes[center], expanded: true, cut: page.cut };
  return { nodes, edges };
}

/** A transaction's inputs (addresses paying in) and outputs (addresses paid). */
export function withTransaction(model: GraphModel, tx: TransactionDetail): GraphModel {
  const nodes = { ...model.nodes };
  const edges = { ...model.edges };
  const center = txId(tx.txid);
  ensure(nodes, node("transaction", tx.txid, { time: tx.time }));
  for (const input of tx.inputs.items) {
    if (!input.address) continue;
    ensure(nodes, node("address", input.address, { risk: input.risk }));
    link(edges, addressId(input.address), center, input.value);
  }
  for (const output of tx.outputs.items) {
    if (!output.address) continue;
    ensure(nodes, node("address", output.address, { risk: output.risk }));
    link(edges, center, addressId(output.address), output.value);
  }
  nodes[center] = { ...nodes[center], expanded: true, cut: tx.inputs.cut || tx.outputs.cut };
  return { nodes, edges };
}

export type ClusterDetail = Of<"ClusterDetailOut", "cluster" | "risk"> & {
  members: Page<Of<"ClusterMemberOut", "address" | "risk">>;
};

/** A cluster's riskiest members, drawn inside the cluster's box (the page says when it holds more). */
export function withCluster(model: GraphModel, detail: ClusterDetail): GraphModel {
  const nodes = { ...model.nodes };
  for (const member of detail.members.items) {
    ensure(nodes, node("address", member.address));
    const id = addressId(member.address);
    nodes[id] = { ...nodes[id], risk: member.risk, cluster: detail.cluster };
  }
  return { ...model, nodes };
}

/** nodes: address, txid, address, … (money moves left to right); values: each edge's; risks: each node's
 * score (null for transactions and unscored addresses). */
export type AddressPath = Of<"PathOut", "nodes" | "values" | "risks">;

/** A path found between two addresses, added to the graph; also the ids of its edges, to highlight. */
export function withPath(model: GraphModel, path: AddressPath): { model: GraphModel; edgeIds: string[] } {
  const nodes = { ...model.nodes };
  const edges = { ...model.edges };
  const ids = path.nodes.map((ref, i) => {
    ensure(nodes, node(i % 2 === 0 ? "address" : "transaction", ref, { risk: path.risks[i] ?? null }));
    return i % 2 === 0 ? addressId(ref) : txId(ref);
  });
  const edgeIds = ids.slice(1).map((target, i) => {
    link(edges, ids[i], target, path.values[i] ?? null);
    return `${ids[i]}->${target}`;
  });
  return { model: { nodes, edges }, edgeIds };
}

/** A transaction's `time` always arrives (null when unknown); it is optional here only so a test can leave
 * it out, which withFlow reads as null. */
export type Flow = Of<"TraceOut", "source" | "cut" | "direction"> & {
  addresses: Of<"TracedAddressOut", "address" | "hop" | "risk" | "haircut" | "poison">[];
  transactions: (Of<"TracedTransactionOut", "txid" | "hop"> & Partial<Of<"TracedTransactionOut", "time">>)[];
  edges: Of<"TracedEdgeOut", "from" | "to" | "value">[];
};

/** Follow the money (investigations/tracing.py): the addresses and transactions the funds went through,
 * hop by hop, with the amount on each edge; the source is marked cut when the trace was. */
export function withFlow(model: GraphModel, flow: Flow): GraphModel {
  const nodes = { ...model.nodes };
  const edges = { ...model.edges };
  const txs = new Set(flow.transactions.map((t) => t.txid));
  const idOf = (ref: string) => (txs.has(ref) ? txId(ref) : addressId(ref));
  for (const a of flow.addresses) ensure(nodes, node("address", a.address, { risk: a.risk }));
  for (const t of flow.transactions) ensure(nodes, node("transaction", t.txid, { time: t.time ?? null }));
  ensure(nodes, node("address", flow.source));
  for (const e of flow.edges) link(edges, idOf(e.from), idOf(e.to), e.value);
  const source = addressId(flow.source);
  nodes[source] = { ...nodes[source], cut: nodes[source].cut || flow.cut };
  return { nodes, edges };
}

export function withNode(model: GraphModel, id: string, change: Partial<GraphNode>): GraphModel {
  const known = model.nodes[id];
  return known ? { ...model, nodes: { ...model.nodes, [id]: { ...known, ...change } } } : model;
}

/** Transactions outside [since, until] (block time) drop out of view, with the edges they carry; addresses
 * stay, so the slider never loses the investigator's starting points. */
export function inWindow(model: GraphModel, since: number | null, until: number | null): GraphModel {
  const outside = (n: GraphNode) =>
    n.kind === "transaction" && n.time !== null && ((since !== null && n.time < since) || (until !== null && n.time > until));
  const nodes = Object.fromEntries(Object.entries(model.nodes).filter(([, n]) => !outside(n)));
  const edges = Object.fromEntries(Object.entries(model.edges).filter(([, e]) => nodes[e.source] && nodes[e.target]));
  return { nodes, edges };
}

export function timeRange(model: GraphModel): [number, number] | null {
  const times = Object.values(model.nodes)
    .map((n) => n.time)
    .filter((t): t is number => t !== null);
  return times.length ? [Math.min(...times), Math.max(...times)] : null;
}

/** What Cytoscape draws: visible nodes and the edges between them, with their colour and label; with
 * `grouped`, the addresses of one cluster inside a box of their own. */
export type ColourBy = "risk" | "category";

/** Addresses whose tag category has not been looked up yet. */
export function uncategorised(model: GraphModel): string[] {
  return Object.values(model.nodes)
    .filter((n) => n.kind === "address" && n.category === undefined)
    .map((n) => n.ref);
}

/** Each looked-up address gets its category (an abuse first, as screening counts it), null when untagged. */
export function withCategories(model: GraphModel, looked: string[], categories: Record<string, string>): GraphModel {
  const nodes = { ...model.nodes };
  for (const address of looked) {
    const id = addressId(address);
    if (nodes[id]) nodes[id] = { ...nodes[id], category: categories[address] ?? null };
  }
  return { ...model, nodes };
}

export function elements(model: GraphModel, grouped = false, highlighted: string[] = [], colourBy: ColourBy = "risk") {
  const lit = new Set(highlighted);
  const visible = Object.values(model.nodes).filter((n) => !n.hidden);
  const shown = new Set(visible.map((n) => n.id));
  const clusters = grouped ? [...new Set(visible.map((n) => n.cluster).filter((c): c is string => !!c))] : [];
  return [
    ...clusters.map((cluster) => ({
      group: "nodes" as const,
      data: { id: `c:${cluster}`, kind: "cluster", label: `cluster ${shortId(cluster, 6)}`, colour: "#eef2f6", cut: 0 },
      classes: "cluster",
    })),
    ...visible.map((n) => ({
      group: "nodes" as const,
      data: {
        id: n.id,
        kind: n.kind,
        label: (n.note ? `${n.note} · ` : "") + shortId(n.ref, n.kind === "address" ? 6 : 5),
        colour:
          n.kind !== "address" ? "#5b6b7c" : colourBy === "category" ? categoryColour(n.category) : riskColour(n.risk),
        cut: n.cut ? 1 : 0,
        ...(grouped && n.cluster ? { parent: `c:${n.cluster}` } : {}),
      },
      classes: [n.kind, n.cut ? "cut" : "", n.pinned ? "pinned" : ""].filter(Boolean).join(" "),
    })),
    ...Object.values(model.edges)
      .filter((e) => shown.has(e.source) && shown.has(e.target))
      .map((e) => ({
        group: "edges" as const,
        data: { id: e.id, source: e.source, target: e.target, label: e.value === null ? "" : btcShort(e.value) },
        classes: lit.has(e.id) ? "path" : "",
      })),
  ];
}

function btcShort(satoshis: number): string {
  const value = satoshis / 100_000_000;
  return value >= 1 ? `${value.toFixed(2)} ₿` : `${value.toPrecision(2)} ₿`;
}

/** Where each node is drawn on the canvas (Cytoscape's model coordinates, y down), by node id. */
export type Positions = Record<string, { x: number; y: number }>;

/** The view as evidence: what is drawn (hidden nodes left out), with notes, pins, cut marks and where each
 * node stands, in the shape the case API keeps (nodes and edges). The case report draws its figure at these
 * positions (investigations/report/view.py). */
export function snapshot(model: GraphModel, positions: Positions = {}) {
  const nodes = Object.values(model.nodes).filter((n) => !n.hidden);
  const shown = new Set(nodes.map((n) => n.id));
  return {
    nodes: nodes.map(({ id, kind, ref, risk, cluster, cut, pinned, note, time }) => ({
      id, kind, ref, risk, cluster, cut, pinned, note, time,
      ...(positions[id] ? { position: { x: positions[id].x, y: positions[id].y } } : {}),
    })),
    edges: Object.values(model.edges)
      .filter((e) => shown.has(e.source) && shown.has(e.target))
      .map(({ source, target, value }) => ({ source, target, value })),
  };
}
