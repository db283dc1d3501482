/** Where traced funds ended: the addresses a trace reached and did not follow further, grouped by tag
 * category with the traced amounts (haircut and poison, docs/exploration.md). Pure, so the arithmetic is
 * unit-tested without a browser. */

import type { Flow } from "./model";

export const UNTAGGED = "untagged";
export const NOT_LOOKED_UP = "not looked up";

export interface EndedIn {
  category: string;
  addresses: number;
  haircut: number; // traced satoshis, in proportion
  poison: number; // satoshis touched by traced funds
}

export interface TraceSummary {
  direction: string;
  hops: number; // the farthest hop reached
  addresses: number; // reached, the source left out
  transactions: number;
  ended: EndedIn[]; // most traced value first
}

/** The addresses the money rests at: reached (not the source) and not passed on within the trace.
 * Forward that is no edge out of the address; backward (where it came from) no edge into it. */
export function endpoints(flow: Flow): Flow["addresses"] {
  const passedOn = new Set(flow.edges.map((e) => (flow.direction === "backward" ? e.to : e.from)));
  return flow.addresses
    .filter((a) => a.address !== flow.source && !passedOn.has(a.address))
    .sort((x, y) => y.haircut - x.haircut || x.address.localeCompare(y.address));
}

/** `categories`: each looked-up endpoint's category (null: untagged); an endpoint not in it was not looked up. */
export function traceSummary(flow: Flow, categories: Record<string, string | null>): TraceSummary {
  const groups = new Map<string, EndedIn>();
  for (const a of endpoints(flow)) {
    const looked = a.address in categories;
    const category = looked ? (categories[a.address] ?? UNTAGGED) : NOT_LOOKED_UP;
    const group = groups.get(category) ?? { category, addresses: 0, haircut: 0, poison: 0 };
    groups.set(category, { ...group, addresses: group.addresses + 1, haircut: group.haircut + a.haircut, poison: group.poison + a.poison });
  }
  const reached = flow.addresses.filter((a) => a.address !== flow.source);
  return {
    direction: flow.direction,
    hops: Math.max(0, ...flow.addresses.map((a) => a.hop)),
    addresses: reached.length,
    transactions: flow.transactions.length,
    ended: [...groups.values()].sort((x, y) => y.haircut - x.haircut || x.category.localeCompare(y.category)),
  };
}
