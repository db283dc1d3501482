/** The answers whose schema says only "an object": graph/explore.py returns plain dicts, so drf-spectacular
 * cannot see their fields. They are declared here, once, until those views get serializers (issue 18, typed
 * reads across layers); then these types come from schema.d.ts like the rest. */

import type { Tag } from "../components/Tags";
import type { Page } from "../graph/model";
import type { Case } from "./endpoints";

export interface Address {
  address: string;
  risk: number | null;
  risk_label: string | null;
  risk_model: string | null;
  reasons: string[] | null;
  received: number | null;
  sent: number | null;
  n_tx: number | null;
  first_seen: number | null;
  last_seen: number | null;
  cluster: string | null;
  tags: Tag[];
  cluster_tags: Tag[];
}

export interface Cluster {
  cluster: string;
  size: number;
  received: number | null;
  sent: number | null;
  first_seen: number | null;
  last_seen: number | null;
  risk: number | null;
  flagged_addresses: number | null;
  risk_model: string | null;
  merged_into: string | null;
  members: Page<{ address: string; risk: number | null; received: number | null; n_tx: number | null }>;
  tags: Tag[];
}

export interface Side {
  address: string | null;
  value: number | null;
  risk: number | null;
}

export interface Transaction {
  txid: string;
  height: number | null;
  time: number | null;
  fee: number | null;
  value: number | null;
  coinbase: boolean;
  unconfirmed: boolean | null;
  inputs: Page<Side>;
  outputs: Page<Side & { n: number }>;
}

/** A row of an address's or a cluster's transactions; `direction` only for an address. */
export interface TxRow {
  txid: string;
  time: number | null;
  value: number | null;
  direction?: "in" | "out";
}

export interface Found {
  addresses: { address: string; risk: number | null; cluster: string | null }[];
  transactions: { txid: string; height: number | null }[];
  tags: { label: string; address: string | null; category: string | null; source: string | null }[];
  cases: Case[];
}
