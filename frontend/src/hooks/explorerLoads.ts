/** The explorer's requests: each asks the server, then tells the reducer what came back (explorerState.ts
 * decides what that does to the graph and to the notice). */

import type { Dispatch } from "react";

import { addressDetail, caseDetail, clusterDetail, flows, neighbours, pathsBetween, tagsOf, transactionDetail } from "../api/endpoints";
import { isoDay } from "../format";
import { endpoints } from "../graph/trace";
import { type ExplorerAction, type Filters, PATH_HOPS, type Subject } from "./explorerState";

export const TAGS_AT_ONCE = 100; // the tags API's most addresses per call

type Tell = Dispatch<ExplorerAction>;

export type StartKind = "address" | "cluster" | "tx" | "case";

/** A date from the form as block time (Unix seconds, UTC); `endOfDay` takes the whole day in. */
export function unixDay(day: string, endOfDay = false): number | undefined {
  const valid = isoDay(day);
  return valid === null ? undefined : Date.parse(`${valid}T00:00:00Z`) / 1000 + (endOfDay ? 86_400 : 0);
}

/** An address's transactions, as the filters narrow them. */
function walk(address: string, filters: Filters) {
  return neighbours(address, {
    direction: filters.direction,
    min_value: filters.minBtc ? Math.round(Number(filters.minBtc) * 1e8) : undefined,
    limit: filters.limit,
    since: unixDay(filters.since),
    until: unixDay(filters.until, true),
  });
}

export async function addressExpand(tell: Tell, address: string, filters: Filters) {
  tell({ type: "neighboursFound", address, page: await walk(address, filters) });
}

export async function transactionExpand(tell: Tell, txid: string) {
  tell({ type: "transactionFound", found: await transactionDetail(txid) });
}

/** The graph a start begins with: an address and its transactions, a cluster's riskiest members, a
 * transaction's inputs and outputs, or a case's subjects. */
export async function startLoad(tell: Tell, kind: StartKind, ref: string, filters: Filters) {
  if (kind === "case") {
    tell({ type: "caseStarted", caseId: ref, subjects: await caseSubjects(ref) });
  } else if (kind === "cluster") {
    tell({ type: "clusterStarted", found: await clusterDetail(ref) });
  } else if (kind === "tx") {
    await transactionExpand(tell, ref);
  } else {
    const found = await addressDetail(ref);
    tell({ type: "addressStarted", found, page: await walk(found.address, filters) }); // drawn at once
  }
}

/** A case's subjects with what the graph knows of each, one after the other. */
async function caseSubjects(caseId: string): Promise<Subject[]> {
  const subjects: Subject[] = [];
  for (const { kind, ref } of (await caseDetail(caseId)).subjects) {
    if (kind === "address") subjects.push({ kind, found: await addressDetail(ref) });
    else if (kind === "cluster") subjects.push({ kind, found: await clusterDetail(ref) });
    else subjects.push({ kind: "transaction", found: await transactionDetail(ref) });
  }
  return subjects;
}

/** The trace, and the tags of the addresses its money ended at (the most traced first, as many as one
 * tags call takes), so the summary says where the funds went by category. */
export async function moneyFollow(tell: Tell, source: string, direction: string, hops: number) {
  const flow = await flows(source, { direction, hops });
  const looked = endpoints(flow).slice(0, TAGS_AT_ONCE).map((a) => a.address);
  tell({ type: "flowFound", hops, flow, looked, tags: looked.length ? await tagsOf(looked, 500) : [] });
}

export async function pathFind(tell: Tell, source: string, target: string) {
  const found = await pathsBetween({ source, target, hops: PATH_HOPS, limit: 1 });
  tell({ type: "pathFound", source, target, paths: found.paths });
}

export async function tagsLookUp(tell: Tell, batch: string[]) {
  tell({ type: "tagsFound", batch, tags: await tagsOf(batch, 500) });
}
