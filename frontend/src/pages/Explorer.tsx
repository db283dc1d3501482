/** The graph explorer: start from an address, cluster or transaction; expand with filters; colour by risk;
 * group by cluster; find paths; hide, pin and annotate; a time window; export PNG, SVG and JSON. */

import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";

import { messageOf } from "../api";
import {
  addressDetail,
  caseDetail,
  casesList,
  clusterDetail,
  evidenceSnapshotAdd,
  flows,
  neighbours,
  pathsBetween,
  tagsOf,
  transactionDetail,
} from "../api/endpoints";
import { Failure, useLoaded } from "../components/Status";
import { riskLevel, shortId, when } from "../format";
import { GraphCanvas, type GraphHandle } from "../graph/GraphCanvas";
import {
  elements,
  emptyModel,
  type GraphModel,
  inWindow,
  timeRange,
  withAddress,
  withCluster,
  withNeighbours,
  withNode,
  withPath,
  withTransaction,
  snapshot,
  withFlow,
  type ColourBy,
  uncategorised,
  withCategories,
} from "../graph/model";

const LIST_MAX = 200;
const TAGS_AT_ONCE = 100; // the tags API's most addresses per call
const LIMITS = [50, 100, 500, 1000, 2000]; // neighbours per expansion (the API's most: 2,000)

interface Filters {
  direction: "both" | "in" | "out";
  minBtc: string;
  limit: number;
  since: string; // yyyy-mm-dd, block time from
  until: string; // yyyy-mm-dd, block time before the end of that day
}

/** A date from the form as block time (Unix seconds, UTC); `endOfDay` takes the whole day in. */
function unixDay(day: string, endOfDay = false): number | undefined {
  if (!day) return undefined;
  const start = Date.parse(`${day}T00:00:00Z`) / 1000;
  return Number.isNaN(start) ? undefined : start + (endOfDay ? 86_400 : 0);
}

export function Explorer() {
  const [params, setParams] = useSearchParams();
  const [model, setModel] = useState<GraphModel>(emptyModel);
  const [selected, setSelected] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [grouped, setGrouped] = useState(false);
  const [colourBy, setColourBy] = useState<ColourBy>("risk");
  const [timeWindow, setTimeWindow] = useState<[number | null, number | null]>([null, null]);
  const [path, setPath] = useState<string[]>([]);
  const [filters, setFilters] = useState<Filters>({
    direction: "both",
    minBtc: "",
    limit: Number(params.get("limit")) || 50,
    since: "",
    until: "",
  });
  const canvas = useRef<GraphHandle>(null);

  async function run(what: string, step: () => Promise<void>) {
    setBusy(what);
    setError(null);
    try {
      await step();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(null);
    }
  }

  /** `base`: the graph to add to (a fresh one at a start); by default the current one, read when the
   * answer arrives, so what changed meanwhile (tags looked up) is kept. */
  async function expandAddress(address: string, base?: GraphModel) {
    const minValue = filters.minBtc ? Math.round(Number(filters.minBtc) * 1e8) : undefined;
    const page = await neighbours(address, {
      direction: filters.direction,
      min_value: minValue,
      limit: filters.limit,
      since: unixDay(filters.since),
      until: unixDay(filters.until, true),
    });
    setModel((current) => withNeighbours(base ?? current, address, page));
    setNotice(page.cut ? `Cut: ${page.returned} of ${page.matched} transactions shown. ${page.notes.join(" ")}` : null);
  }

  /** A case's subjects: its addresses (with what the graph knows of them), clusters (their riskiest
   * members) and transactions (their inputs and outputs). */
  async function startFromCase(caseId: string, base: GraphModel) {
    const found = await caseDetail(caseId);
    let model = base;
    for (const { kind, ref } of found.subjects) {
      if (kind === "address") model = withAddress(model, await addressDetail(ref));
      else if (kind === "cluster") model = withCluster(model, await clusterDetail(ref));
      else model = withTransaction(model, await transactionDetail(ref));
    }
    setModel(model);
    setNotice(found.subjects.length ? null : `Case #${caseId} has no subjects yet: add them on its page.`);
  }

  async function expandTransaction(txid: string, base?: GraphModel) {
    const tx = await transactionDetail(txid);
    setModel((current) => withTransaction(base ?? current, tx));
    setNotice(tx.inputs.cut || tx.outputs.cut ? "Cut: the transaction has more inputs or outputs than shown." : null);
  }

  // Start from what the address bar names: a fresh graph each time it changes.
  const start = params.get("address") ?? params.get("cluster") ?? params.get("tx") ?? params.get("case") ?? "";
  const startKind = ["cluster", "tx", "case"].find((kind) => params.get(kind)) ?? "address";
  useEffect(() => {
    if (!start) return;
    const fresh = emptyModel();
    setModel(fresh);
    setSelected(null);
    setPath([]);
    void run("loading the start", async () => {
      if (params.get("case")) {
        await startFromCase(start, fresh);
      } else if (params.get("cluster")) {
        const cluster = await clusterDetail(start);
        setModel(withCluster(fresh, cluster));
        setGrouped(true);
        setNotice(cluster.members.cut ? `Cut: the ${cluster.members.returned} riskiest of ${cluster.members.total} members shown.` : null);
      } else if (params.get("tx")) {
        await expandTransaction(start, fresh);
      } else {
        const detail = await addressDetail(start);
        await expandAddress(detail.address, withAddress(fresh, detail));
      }
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new start only
  }, [start]);

  function expand(id: string) {
    const node = model.nodes[id];
    if (!node || node.kind === ("cluster" as string)) return;
    void run(`expanding ${shortId(node.ref)}`, () =>
      node.kind === "address" ? expandAddress(node.ref) : expandTransaction(node.ref),
    );
  }

  function followMoney(direction: string, hops: number) {
    const source = selected && model.nodes[selected];
    if (!source || source.kind !== "address") return;
    void run("following the money", async () => {
      const flow = await flows(source.ref, { direction, hops });
      setModel(withFlow(model, flow));
      const reached = flow.addresses.length;
      setNotice(`${direction === "forward" ? "Forward" : "Backward"} ${hops} hops: ${reached} addresses.` +
        (flow.cut ? ` Cut: ${flow.notes.join(" ")}` : ""));
    });
  }

  function findPath(target: string) {
    const source = selected && model.nodes[selected];
    if (!source || source.kind !== "address") return;
    void run("finding a path", async () => {
      const found = await pathsBetween({ source: source.ref, target, hops: 4, limit: 1 });
      if (!found.paths.length) {
        setNotice(`No path of at most 4 hops from ${shortId(source.ref)} to ${shortId(target)}.`);
        return;
      }
      const added = withPath(model, found.paths[0]);
      setModel(added.model);
      setPath(added.edgeIds);
      setNotice(`Path: ${found.paths[0].nodes.length >> 1} hops.`);
    });
  }

  // Colouring by category looks up the tags of addresses not looked up yet, 100 at a time.
  const missing = colourBy === "category" ? uncategorised(model) : [];
  useEffect(() => {
    if (!missing.length) return;
    const batch = missing.slice(0, TAGS_AT_ONCE);
    void run("looking up tags", async () => {
      const tags = await tagsOf(batch, 500);
      const categories: Record<string, string> = {};
      for (const tag of tags) {
        const category = tag.abuse ?? tag.category;
        if (category && !categories[tag.address]) categories[tag.address] = category;
      }
      setModel((current) => withCategories(current, batch, categories));
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the next batch once this one is in
  }, [missing.join(",")]);

  const range = useMemo(() => timeRange(model), [model]);
  const drawn = useMemo(
    () => elements(inWindow(model, timeWindow[0], timeWindow[1]), grouped, path, colourBy),
    [model, timeWindow, grouped, path, colourBy],
  );
  const chosen = selected ? model.nodes[selected] : undefined;
  const drawnNodes = drawn.filter((element) => element.group === "nodes" && element.data.kind !== "cluster").length;

  return (
    <div className="explorer">
      <StartForm
        key={`${startKind}:${start}`}
        kind={startKind}
        current={start}
        onStart={(kind, value) => setParams({ [kind]: value })}
      />
      <div className="toolbar" role="toolbar" aria-label="graph tools">
        <label>
          Direction
          <select value={filters.direction} onChange={(e) => setFilters({ ...filters, direction: e.target.value as Filters["direction"] })}>
            <option value="both">both</option>
            <option value="in">received</option>
            <option value="out">sent</option>
          </select>
        </label>
        <label>
          Min BTC
          <input inputMode="decimal" size={6} value={filters.minBtc} onChange={(e) => setFilters({ ...filters, minBtc: e.target.value })} />
        </label>
        <label>
          From
          <input type="date" value={filters.since} onChange={(e) => setFilters({ ...filters, since: e.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={filters.until} onChange={(e) => setFilters({ ...filters, until: e.target.value })} />
        </label>
        <label>
          At most
          <select value={filters.limit} onChange={(e) => setFilters({ ...filters, limit: Number(e.target.value) })}>
            {LIMITS.map((n) => (
              <option key={n} value={n}>{n}</option>
            ))}
          </select>
        </label>
        <label>
          Colour by
          <select value={colourBy} onChange={(e) => setColourBy(e.target.value as ColourBy)}>
            <option value="risk">risk</option>
            <option value="category">category</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={grouped} onChange={(e) => setGrouped(e.target.checked)} /> Group by cluster
        </label>
        {range && <TimeWindow range={range} value={timeWindow} onChange={setTimeWindow} />}
        <button type="button" onClick={() => canvas.current?.fit()}>Fit</button>
        <button type="button" onClick={() => download("graph.png", canvas.current?.png() ?? "")}>PNG</button>
        <button type="button" onClick={() => download("graph.svg", dataUrl(canvas.current?.svgLike() ?? "", "image/svg+xml"))}>SVG</button>
        <button type="button" onClick={() => download("graph.json", dataUrl(JSON.stringify(model, null, 1), "application/json"))}>JSON</button>
      </div>
      {Object.keys(model.nodes).length > 0 && <SaveToCase model={model} start={start} />}
      {busy && <p className="loading" role="status">{busy}…</p>}
      {error && <Failure error={error} />}
      {notice && <p className="notice" role="note">{notice}</p>}
      <div className="explorer-body">
        <GraphCanvas ref={canvas} elements={drawn} onSelect={setSelected} onExpand={expand} />
        <aside className="panel" aria-label="selected node">
          {!start && <p>Start from an address, a cluster, a transaction or a case.</p>}
          {start && !chosen && <p>Select a node; double-click, or press Expand, to bring its neighbours.</p>}
          {chosen && (
            <NodePanel
              key={chosen.id}
              node={chosen}
              onExpand={() => expand(chosen.id)}
              onChange={(change) => setModel(withNode(model, chosen.id, change))}
              onPath={findPath}
              onFollow={followMoney}
            />
          )}
          <p className="count">
            {Object.keys(model.nodes).length} nodes, {Object.keys(model.edges).length} edges
            {drawnNodes < Object.keys(model.nodes).length && `; ${drawnNodes} drawn (hidden, or outside the time window)`}
          </p>
          <NodeList model={model} selected={selected} onSelect={setSelected} />
        </aside>
      </div>
    </div>
  );
}

/** Save what is drawn into an open case as evidence (hashed and audited by the server). */
function SaveToCase({ model, start }: { model: GraphModel; start: string }) {
  const cases = useLoaded(() => casesList({ limit: 200 }), "cases");
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = (cases.data ?? []).filter((c) => c.status !== "closed");

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setError(null);
    try {
      const drawn = { start, ...snapshot(model) }; // with where the view started
      const evidence = await evidenceSnapshotAdd(String(form.get("case")), { name: form.get("name") as string, snapshot: drawn });
      setSaved(`Saved to case #${form.get("case")} (SHA-256 ${shortId(evidence.sha256, 8)}).`);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  if (cases.error) return <Failure error={cases.error} retry={cases.reload} />;
  if (!open.length) return null;
  return (
    <form className="filters" onSubmit={submit} aria-label="save the view to a case">
      <label>
        Save view to
        <select name="case" defaultValue={open[0].id}>
          {open.map((c) => (
            <option key={c.id} value={c.id}>#{c.id} {c.title}</option>
          ))}
        </select>
      </label>
      <input name="name" aria-label="evidence name" defaultValue={`graph from ${shortId(start, 8)}`} required />
      <button type="submit">Save to case</button>
      {saved && <span role="status">{saved}</span>}
      {error && <Failure error={error} />}
    </form>
  );
}

/** The canvas's nodes as a list of buttons: the keyboard's way in (and a screen reader's). */
function NodeList({ model, selected, onSelect }: { model: GraphModel; selected: string | null; onSelect: (id: string) => void }) {
  const nodes = Object.values(model.nodes)
    .filter((n) => !n.hidden)
    .sort((a, b) => (b.risk ?? -1) - (a.risk ?? -1) || a.id.localeCompare(b.id))
    .slice(0, LIST_MAX);
  if (!nodes.length) return null;
  return (
    <details open={nodes.length <= 30}>
      <summary>Nodes</summary>
      <ul className="node-list" aria-label="nodes">
        {nodes.map((n) => (
          <li key={n.id}>
            <button type="button" aria-pressed={n.id === selected} onClick={() => onSelect(n.id)}>
              {n.kind === "address" ? "Address" : "Tx"} {shortId(n.ref, 6)}
              {n.kind === "address" && ` · ${riskLevel(n.risk)}${n.category ? ` · ${n.category}` : ""}`}
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}

function StartForm({ kind, current, onStart }: { kind: string; current: string; onStart: (kind: string, value: string) => void }) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = String(form.get("start")).trim();
    if (value) onStart(String(form.get("kind")), value);
  }
  return (
    <form className="start" onSubmit={submit} aria-label="start the graph">
      <select name="kind" aria-label="start from" defaultValue={kind}>
        <option value="address">Address</option>
        <option value="cluster">Cluster</option>
        <option value="tx">Transaction</option>
        <option value="case">Case</option>
      </select>
      <input name="start" aria-label="address, cluster id, txid or case number" defaultValue={current} size={50} required />
      <button type="submit">Explore</button>
    </form>
  );
}

interface PanelProps {
  node: GraphModel["nodes"][string];
  onExpand: () => void;
  onChange: (change: Partial<GraphModel["nodes"][string]>) => void;
  onPath: (target: string) => void;
  onFollow: (direction: string, hops: number) => void;
}

function NodePanel({ node, onExpand, onChange, onPath, onFollow }: PanelProps) {
  const [target, setTarget] = useState("");
  const [direction, setDirection] = useState("forward");
  const [hops, setHops] = useState(3);
  return (
    <div>
      <h3>{node.kind === "address" ? "Address" : "Transaction"}</h3>
      <p className="ref">{node.ref}</p>
      {node.kind === "address" && (
        <p>
          Risk: <span className={`risk ${riskLevel(node.risk)}`}>{riskLevel(node.risk)}</span>
          {node.cluster && <> · cluster {shortId(node.cluster, 6)}</>}
        </p>
      )}
      {node.kind === "transaction" && <p>Block time: {when(node.time)}</p>}
      {node.cut && <p className="notice">Cut: not every neighbour is shown.</p>}
      <div className="actions">
        <button type="button" onClick={onExpand}>Expand</button>
        <button type="button" onClick={() => onChange({ hidden: true })}>Hide</button>
        <button type="button" onClick={() => onChange({ pinned: !node.pinned })}>{node.pinned ? "Unpin" : "Pin"}</button>
        <Link to={node.kind === "address" ? `/addresses/${encodeURIComponent(node.ref)}` : `/transactions/${node.ref}`}>
          Open page
        </Link>
      </div>
      <label>
        Note
        <input defaultValue={node.note} onBlur={(e) => onChange({ note: e.target.value })} />
      </label>
      {node.kind === "address" && (
        <div className="actions" role="group" aria-label="follow the money">
          <select aria-label="direction of the money" value={direction} onChange={(e) => setDirection(e.target.value)}>
            <option value="forward">where it went</option>
            <option value="backward">where it came from</option>
          </select>
          <select aria-label="hops" value={hops} onChange={(e) => setHops(Number(e.target.value))}>
            {[1, 2, 3, 4, 5, 6].map((n) => (
              <option key={n} value={n}>{n} hops</option>
            ))}
          </select>
          <button type="button" onClick={() => onFollow(direction, hops)}>Follow the money</button>
        </div>
      )}
      {node.kind === "address" && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (target.trim()) onPath(target.trim());
          }}
        >
          <label>
            Path to address
            <input value={target} onChange={(e) => setTarget(e.target.value)} />
          </label>
          <button type="submit">Find path</button>
        </form>
      )}
    </div>
  );
}

function TimeWindow({ range, value, onChange }: { range: [number, number]; value: [number | null, number | null]; onChange: (v: [number | null, number | null]) => void }) {
  const [low, high] = range;
  if (low === high) return null;
  const since = value[0] ?? low;
  return (
    <label>
      Drawn from {when(since)}
      <input
        type="range"
        min={low}
        max={high}
        value={since}
        aria-label="show transactions from"
        onChange={(e) => onChange([Number(e.target.value) <= low ? null : Number(e.target.value), value[1]])}
      />
    </label>
  );
}

function dataUrl(text: string, type: string): string {
  return `data:${type};charset=utf-8,${encodeURIComponent(text)}`;
}

function download(name: string, url: string) {
  if (!url) return;
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
}

