/** Every API path the pages call, in one place, typed by the types generated from the OpenAPI schema
 * (schema.d.ts: `npm run gen:api`, from schema.json, which tests/app/test_frontend_schema.py keeps in step
 * with the server). A path is named by its template as the schema spells it, so a path that the API drops
 * or renames stops the build, and an answer whose serializer changes changes the pages' types with it. */

import { api, query } from "../api";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** What the server sends for a schema object. An answer's schema lists as required every field the server
 * always sends (core/schema.py), so a field it marks optional can be absent (DRF leaves out a field whose
 * key is missing: a traced edge's `haircut`) and stays optional here; and a list the schema marks read-only
 * is a plain array once parsed. */
export type Sent<T> = T extends readonly (infer Item)[]
  ? Sent<Item>[]
  : T extends object
    ? { [K in keyof T]: Sent<T[K]> }
    : T;

type Json<Answer> = Answer extends { content: { "application/json": infer Body } } ? Body : void;

/** The body of an operation's success answer (200, 201 or 202), as the server sends it. */
type Success<Op> = Op extends { responses: infer R }
  ? Sent<R extends { 200: infer A } ? Json<A> : R extends { 201: infer A } ? Json<A> : R extends { 202: infer A } ? Json<A> : void>
  : never;

type Method = "get" | "post" | "patch" | "delete";

/** The answer of `method` on `path` (a template of the schema, e.g. "/api/v1/cases/"). */
export type Answer<P extends keyof paths, M extends Method> = M extends keyof paths[P] ? Success<paths[P][M]> : never;

/** The JSON body `method` on `path` takes. */
export type Body<P extends keyof paths, M extends Method> = M extends keyof paths[P]
  ? paths[P][M] extends { requestBody?: { content: { "application/json": infer B } } }
    ? B
    : never
  : never;

const V1 = "/api/v1/";

/** The path api() takes (relative to /api/v1/) for a schema template and its path parameters, each
 * encoded, as addresses and cluster ids go into the URL as they were typed. */
export function at(template: keyof paths, params: Record<string, string | number> = {}): string {
  return template.slice(V1.length).replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name])));
}

function get<P extends keyof paths>(template: P, params?: Record<string, string | number>, search = "") {
  return api<Answer<P, "get">>(`${at(template, params)}${search}`);
}

function send<P extends keyof paths, M extends Exclude<Method, "get">>(
  template: P,
  method: M,
  params: Record<string, string | number>,
  body?: Body<P, M> | FormData,
) {
  return api<Answer<P, M>>(at(template, params), { method: method.toUpperCase(), body });
}

// Cases (investigations/api)
export type Case = Answer<"/api/v1/cases/", "post">;
/** The team's cases; an empty filter value means any (the pages' selects offer "" for it). */
export const casesList = (filter: { status?: string; priority?: string; assignee?: string; limit?: number } = {}) =>
  get("/api/v1/cases/", {}, query(filter));
export const caseCreate = (body: Body<"/api/v1/cases/", "post">) => send("/api/v1/cases/", "post", {}, body);

// Watchlists (investigations/api)
export type Watchlist = Answer<"/api/v1/watchlists/", "post">;
export const watchlistsList = () => get("/api/v1/watchlists/");
export const watchlistCreate = (body: Body<"/api/v1/watchlists/", "post">) =>
  send("/api/v1/watchlists/", "post", {}, body);
export type WatchEntryIn = Body<"/api/v1/watchlists/{watchlist_id}/entries/", "post">;
export const watchEntryCreate = (watchlistId: number, body: WatchEntryIn) =>
  send("/api/v1/watchlists/{watchlist_id}/entries/", "post", { watchlist_id: watchlistId }, body);
export const watchEntryDelete = (watchlistId: number, entryId: number) =>
  send("/api/v1/watchlists/{watchlist_id}/entries/{entry_id}/", "delete", { watchlist_id: watchlistId, entry_id: entryId });

// Exposure (screening/graph): an address's, or a cluster's from its biggest addresses
export type Exposure = Answer<"/api/v1/addresses/{address}/exposure/", "get">;
export const addressExposure = (address: string) => get("/api/v1/addresses/{address}/exposure/", { address });
export const clusterExposure = (clusterId: string) =>
  get("/api/v1/clusters/{cluster_id}/exposure/", { cluster_id: clusterId });

// The queue (investigations/api, graphml/api): alerts, flagged clusters, labeling jobs and models
export type AlertPage = Answer<"/api/v1/alerts/", "get">;
export type Alert = AlertPage["results"][number];
export type AlertStatus = Alert["status"];
export interface AlertFilter {
  status?: string[];
  source?: string;
  assignee?: string;
  model?: string;
  page?: number;
  page_size?: number;
}
/** One page of the team's alerts, riskiest first (then by value, then newest). */
export const alertsList = (filter: AlertFilter) => get("/api/v1/alerts/", {}, query({ ...filter }));
export const alertsBulk = (body: Body<"/api/v1/alerts/bulk/", "post">) => send("/api/v1/alerts/bulk/", "post", {}, body);
export const alertEscalate = (alertId: number) =>
  send("/api/v1/alerts/{alert_id}/escalate/", "post", { alert_id: alertId }, {});
export const labelingJobs = (limit: number) => get("/api/v1/labeling/jobs/", {}, query({ limit }));
export const labelingModels = () => get("/api/v1/labeling/models/");
export type LabelingJob = Answer<"/api/v1/labeling/jobs/", "get">[number];
export type LabelingState = Answer<"/api/v1/labeling/state/", "get">;
export const labelingState = () => get("/api/v1/labeling/state/");
/** A model's plot, as an image source (not JSON: the browser loads it). */
export const modelPlotSrc = (version: number, name: string) =>
  `/api/v1/${at("/api/v1/labeling/models/{version}/plots/{name}.png", { version, name })}`;

/** Why the model scored an address, or a cluster's explained members combined: worded reasons and the
 * neighbours that pushed the score up (graphml/api.py). */
export type Reasons = Answer<"/api/v1/labeling/reasons/addresses/{address}/", "get">;
export const addressReasons = (address: string) => get("/api/v1/labeling/reasons/addresses/{address}/", { address });
export const clusterReasons = (clusterId: string) =>
  get("/api/v1/labeling/reasons/clusters/{cluster_id}/", { cluster_id: clusterId });
export type LabelingModel = Answer<"/api/v1/labeling/models/", "get">[number];
export type RiskDistribution = Answer<"/api/v1/labeling/risk-distribution/", "get">;
/** How the graph's address scores spread, in equal ranges of 0 to 1. */
export const riskDistribution = () => get("/api/v1/labeling/risk-distribution/");

export type FlaggedClusterPage = Answer<"/api/v1/queue/clusters/", "get">;
export type FlaggedCluster = FlaggedClusterPage["results"][number];
/** One page of the flagged-cluster queue, riskiest first, each with its rank among its model's clusters. */
export const flaggedClusters = (filter: { model?: string; page?: number; page_size?: number }) =>
  get("/api/v1/queue/clusters/", {}, query({ ...filter }));

// A case (investigations/api): its workflow, subjects, notes, evidence, reports and audit trail
export type CaseDetail = Answer<"/api/v1/cases/{case_id}/", "get">;
export type Report = Answer<"/api/v1/cases/{case_id}/reports/", "get">[number];
export type CaseChange = Body<"/api/v1/cases/{case_id}/", "patch">;
export type SubjectIn = Body<"/api/v1/cases/{case_id}/subjects/", "post">;
export type StepIn = Body<"/api/v1/cases/{case_id}/transition/", "post">;
export type ApprovalIn = Body<"/api/v1/cases/{case_id}/approvals/", "post">;
export type NoteIn = Body<"/api/v1/cases/{case_id}/notes/", "post">;
const caseOf = (caseId: number | string) => ({ case_id: caseId });
export const caseDetail = (caseId: number | string) => get("/api/v1/cases/{case_id}/", caseOf(caseId));
export const caseUpdate = (caseId: number, body: CaseChange) => send("/api/v1/cases/{case_id}/", "patch", caseOf(caseId), body);
export const caseTransition = (caseId: number, body: StepIn) =>
  send("/api/v1/cases/{case_id}/transition/", "post", caseOf(caseId), body);
export const approvalAsk = (caseId: number, body: ApprovalIn) =>
  send("/api/v1/cases/{case_id}/approvals/", "post", caseOf(caseId), body);
export const approvalDecide = (approvalId: number, body: Body<"/api/v1/approvals/{approval_id}/decide/", "post">) =>
  send("/api/v1/approvals/{approval_id}/decide/", "post", { approval_id: approvalId }, body);
export const subjectAdd = (caseId: number, body: SubjectIn) =>
  send("/api/v1/cases/{case_id}/subjects/", "post", caseOf(caseId), body);
export const noteAdd = (caseId: number, body: NoteIn) => send("/api/v1/cases/{case_id}/notes/", "post", caseOf(caseId), body);
/** An evidence file, as the form holds it (multipart: the browser sets the boundary). */
export const evidenceFileAdd = (caseId: number, form: FormData) =>
  send("/api/v1/cases/{case_id}/evidence/files/", "post", caseOf(caseId), form);
export const evidenceSnapshotAdd = (caseId: number | string, body: Body<"/api/v1/cases/{case_id}/evidence/snapshots/", "post">) =>
  send("/api/v1/cases/{case_id}/evidence/snapshots/", "post", caseOf(caseId), body);
export const caseReports = (caseId: number | string) => get("/api/v1/cases/{case_id}/reports/", caseOf(caseId));
export const reportRetry = (caseId: number, reportId: number) =>
  send("/api/v1/cases/{case_id}/reports/{report_id}/retry/", "post", { case_id: caseId, report_id: reportId });
/** A made report's file, as a download link (not JSON). */
export const reportFileHref = (caseId: number, reportId: number, fmt: "pdf" | "csv") =>
  `/api/v1/${at("/api/v1/cases/{case_id}/reports/{report_id}/{fmt}/", { case_id: caseId, report_id: reportId, fmt })}`;
export const caseAudit = (caseId: number) => get("/api/v1/cases/{case_id}/audit/", caseOf(caseId));
/** How many addresses a verdict on the case records as training labels now (the confirmation dialog). */
export const caseVerdict = (caseId: number) => get("/api/v1/cases/{case_id}/verdict/", caseOf(caseId));

// The inbox and the team (investigations/api/inbox.py, team.py)
export type Inbox = Answer<"/api/v1/inbox/", "get">;
export type InboxItem = Inbox["notifications"][number];
export const inboxRead = () => get("/api/v1/inbox/");
export const inboxCount = () => get("/api/v1/inbox/count/");
export const notificationsRead = (body: Body<"/api/v1/notifications/read/", "post">) =>
  send("/api/v1/notifications/read/", "post", {}, body);
export type TeamAnswer = Answer<"/api/v1/team/members/", "get">;
export type Member = TeamAnswer["members"][number];
export type MemberInvite = Body<"/api/v1/team/members/", "post">;
export const teamMembers = () => get("/api/v1/team/members/");
export const memberInvite = (body: MemberInvite) => send("/api/v1/team/members/", "post", {}, body);
export const memberRoleSet = (userId: number, body: Body<"/api/v1/team/members/{user_id}/", "patch">) =>
  send("/api/v1/team/members/{user_id}/", "patch", { user_id: userId }, body);
export const invitationRenew = (userId: number) =>
  send("/api/v1/team/members/{user_id}/invitation/", "post", { user_id: userId });
export const invitationAccept = (body: Body<"/api/v1/invitations/accept/", "post">) =>
  send("/api/v1/invitations/accept/", "post", {}, body);

// The session (app/api): who is signed in
/** username null: nobody is signed in. */
export type User = Answer<"/api/v1/session/", "get">;
export const sessionRead = () => get("/api/v1/session/");
export const signIn = (body: Body<"/api/v1/session/", "post">) => send("/api/v1/session/", "post", {}, body);
export const signOut = () => send("/api/v1/session/", "delete", {});

// Tags (tagpack/api)
export type TagRow = Answer<"/api/v1/tags/", "get">[number];
export const tagsOf = (addresses: string[], limit: number) => get("/api/v1/tags/", {}, query({ address: addresses, limit }));

// The graph (graph/explore.py, through the serializers of investigations/api/answers.py)
export type Address = Answer<"/api/v1/addresses/{address}/", "get">;
export type Cluster = Answer<"/api/v1/clusters/{cluster_id}/", "get">;
export type Transaction = Answer<"/api/v1/transactions/{txid}/", "get">;
/** An input or an output of a transaction, as a table shows it (an output may have no address). */
export type Side = Pick<Transaction["outputs"]["items"][number], "address" | "value" | "risk">;
/** A row of an address's or a cluster's transactions; `direction` only for an address. */
export type TxRow = Answer<"/api/v1/clusters/{cluster_id}/transactions/", "get">["items"][number] &
  Partial<Pick<Answer<"/api/v1/addresses/{address}/neighbours/", "get">["items"][number], "direction">>;
export type Found = Answer<"/api/v1/search/", "get">;
export const addressDetail = (address: string) => get("/api/v1/addresses/{address}/", { address });
export const clusterDetail = (clusterId: string) => get("/api/v1/clusters/{cluster_id}/", { cluster_id: clusterId });
export const transactionDetail = (txid: string) => get("/api/v1/transactions/{txid}/", { txid });
export const search = (q: string) => get("/api/v1/search/", {}, query({ q }));
/** A page of an address's transactions (with the direction), or a cluster's, newest first. */
export const transactionsOf = (of: { address: string } | { cluster: string }, page: { limit: number; until?: number }) =>
  "address" in of
    ? get("/api/v1/addresses/{address}/neighbours/", { address: of.address }, query(page))
    : get("/api/v1/clusters/{cluster_id}/transactions/", { cluster_id: of.cluster }, query(page));

// The explorer's walks (graph/explore.py, investigations/tracing.py)
type Walk = Record<string, string | number | undefined>;
/** An address's transactions as edges to draw, filtered by direction, value and time. */
export const neighbours = (address: string, filter: Walk) =>
  get("/api/v1/addresses/{address}/neighbours/", { address }, query(filter));
/** Follow the money from an address, `hops` deep, forward or backward. */
export const flows = (address: string, filter: { direction: string; hops: number }) =>
  get("/api/v1/addresses/{address}/flows/", { address }, query(filter));
/** Paths of at most `hops` between two addresses. */
export const pathsBetween = (filter: { source: string; target: string; hops: number; limit: number }) =>
  get("/api/v1/paths/", {}, query(filter));
