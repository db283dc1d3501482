/** The explorer's state and how each step changes it, as a pure reducer: what an answer from the
 * server does to the graph and to what the screen says is unit-tested without a browser or a server,
 * and every change reads the graph as it is then (no effect works on a stale copy). */

import type { TagRow } from "../api/endpoints";
import { shortId } from "../format";
import {
  type AddressDetail,
  type AddressPath,
  type ClusterDetail,
  type ColourBy,
  emptyModel,
  type Flow,
  type GraphModel,
  type GraphNode,
  type NeighbourEdge,
  type Page,
  type TransactionDetail,
  withAddress,
  withCategories,
  withCluster,
  withFlow,
  withNeighbours,
  withNode,
  withPath,
  withTransaction,
} from "../graph/model";
import { type TraceSummary, traceSummary } from "../graph/trace";

export const PATH_HOPS = 4; // the longest path looked for

export interface Filters {
  direction: "both" | "in" | "out";
  minBtc: string;
  limit: number;
  since: string; // yyyy-mm-dd, block time from
  until: string; // yyyy-mm-dd, block time before the end of that day
}

export type TimeWindow = [number | null, number | null];

export interface ExplorerState {
  model: GraphModel;
  selected: string | null;
  busy: string | null; // what is being fetched, said while it is
  error: string | null;
  notice: string | null;
  grouped: boolean;
  colourBy: ColourBy;
  timeWindow: TimeWindow;
  path: string[]; // the edges of the path found, highlighted
  filters: Filters;
  trace: TraceSummary | null; // where the last money followed ended
}

/** A case's subject, as the graph's API describes it. */
export type Subject =
  | { kind: "address"; found: AddressDetail }
  | { kind: "cluster"; found: ClusterDetail }
  | { kind: "transaction"; found: TransactionDetail };

/** A tag looked up for colouring by category (the /tags/ answer's rows): what categoriesOf reads, abuse and
 * category optional so a test builds one with what it needs. */
export type TagFound = Pick<TagRow, "address"> & Partial<Pick<TagRow, "abuse" | "category">>;

export type ExplorerAction =
  | { type: "started" }
  | { type: "working"; what: string }
  | { type: "failed"; error: string }
  | { type: "finished" }
  | { type: "addressStarted"; found: AddressDetail; page: Page<NeighbourEdge> }
  | { type: "neighboursFound"; address: string; page: Page<NeighbourEdge> }
  | { type: "transactionFound"; found: TransactionDetail }
  | { type: "clusterStarted"; found: ClusterDetail }
  | { type: "caseStarted"; caseId: string; subjects: Subject[] }
  | { type: "flowFound"; hops: number; flow: Flow & { notes: string[] }; looked: string[]; tags: TagFound[] }
  | { type: "pathFound"; source: string; target: string; paths: AddressPath[] }
  | { type: "tagsFound"; batch: string[]; tags: TagFound[] }
  | { type: "selected"; id: string | null }
  | { type: "nodeChanged"; id: string; change: Partial<GraphNode> }
  | { type: "filtersChanged"; change: Partial<Filters> }
  | { type: "viewChanged"; change: Partial<Pick<ExplorerState, "grouped" | "colourBy" | "timeWindow">> };

export function explorerInitial(limit: number): ExplorerState {
  return {
    model: emptyModel(),
    selected: null,
    busy: null,
    error: null,
    notice: null,
    grouped: false,
    colourBy: "risk",
    timeWindow: [null, null],
    path: [],
    filters: { direction: "both", minBtc: "", limit, since: "", until: "" },
    trace: null,
  };
}

type Transitions = { [T in ExplorerAction["type"]]: (state: ExplorerState, action: Extract<ExplorerAction, { type: T }>) => ExplorerState };

const transitions: Transitions = {
  started: (s) => ({ ...s, model: emptyModel(), selected: null, path: [], trace: null }),
  working: (s, { what }) => ({ ...s, busy: what, error: null }),
  failed: (s, { error }) => ({ ...s, error }),
  finished: (s) => ({ ...s, busy: null }),
  addressStarted: (s, { found, page }) => neighboursFound({ ...s, model: withAddress(s.model, found) }, found.address, page),
  neighboursFound: (s, { address, page }) => neighboursFound(s, address, page),
  transactionFound: (s, { found }) => ({
    ...s,
    model: withTransaction(s.model, found),
    notice: found.inputs.cut || found.outputs.cut ? "Cut: the transaction has more inputs or outputs than shown." : null,
  }),
  clusterStarted: (s, { found }) => ({
    ...s,
    model: withCluster(s.model, found),
    grouped: true,
    notice: found.members.cut ? `Cut: the ${found.members.returned} riskiest of ${found.members.total} members shown.` : null,
  }),
  caseStarted: (s, { caseId, subjects }) => ({
    ...s,
    model: subjects.reduce(withSubject, s.model),
    notice: subjects.length ? null : `Case #${caseId} has no subjects yet: add them on its page.`,
  }),
  flowFound: (s, { hops, flow, looked, tags }) => {
    const found = categoriesOf(tags);
    const categories = Object.fromEntries(looked.map((address) => [address, found[address] ?? null]));
    return {
      ...s,
      model: withCategories(withFlow(s.model, flow), looked, found),
      trace: traceSummary(flow, categories),
      notice:
        `${flow.direction === "forward" ? "Forward" : "Backward"} ${hops} hops: ${flow.addresses.length} addresses.` +
        (flow.cut ? ` Cut: ${flow.notes.join(" ")}` : ""),
    };
  },
  pathFound: (s, { source, target, paths }) => {
    if (!paths.length) return { ...s, notice: `No path of at most ${PATH_HOPS} hops from ${shortId(source)} to ${shortId(target)}.` };
    const added = withPath(s.model, paths[0]);
    return { ...s, model: added.model, path: added.edgeIds, notice: `Path: ${paths[0].nodes.length >> 1} hops.` };
  },
  tagsFound: (s, { batch, tags }) => ({ ...s, model: withCategories(s.model, batch, categoriesOf(tags)) }),
  selected: (s, { id }) => ({ ...s, selected: id }),
  nodeChanged: (s, { id, change }) => ({ ...s, model: withNode(s.model, id, change) }),
  filtersChanged: (s, { change }) => ({ ...s, filters: { ...s.filters, ...change } }),
  viewChanged: (s, { change }) => ({ ...s, ...change }),
};

export function explorerReducer(state: ExplorerState, action: ExplorerAction): ExplorerState {
  const transition = transitions[action.type] as (s: ExplorerState, a: ExplorerAction) => ExplorerState;
  return transition(state, action);
}

function neighboursFound(s: ExplorerState, address: string, page: Page<NeighbourEdge>): ExplorerState {
  return { ...s, model: withNeighbours(s.model, address, page), notice: page.cut ? cutNotice(page) : null };
}

/** A cut expansion in transactions, not edges: the page counts edges (an address both spends into and is
 * paid by one transaction has two), and the graph keeps the address's transaction count. */
export function cutNotice(page: Page<NeighbourEdge>): string {
  const count = (n: number) => n.toLocaleString("en-US");
  const shown = count(new Set(page.items.map((edge) => edge.txid)).size);
  const of = page.total === null ? "" : ` of ${count(page.total)}`;
  return `Cut: ${shown}${of} transactions shown (${count(page.matched)} edges matched). ${page.notes.join(" ")}`.trim();
}

function withSubject(model: GraphModel, subject: Subject): GraphModel {
  if (subject.kind === "address") return withAddress(model, subject.found);
  if (subject.kind === "cluster") return withCluster(model, subject.found);
  return withTransaction(model, subject.found);
}

/** Each address's first category, an abuse before a category (as screening counts it). */
function categoriesOf(tags: TagFound[]): Record<string, string> {
  const categories: Record<string, string> = {};
  for (const tag of tags) {
    const category = tag.abuse ?? tag.category;
    if (category && !categories[tag.address]) categories[tag.address] = category;
  }
  return categories;
}
