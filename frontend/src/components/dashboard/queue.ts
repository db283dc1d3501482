/** The queue's wording, without React: how a score, a page, a job's phases and the first-run state read.
 * Kept pure so vitest checks each (queue.test.ts). */

export const PAGE_SIZE = 25;
/** How often the dashboard asks again; an unchanged answer is a 304 (the server's ETag, the browser's cache). */
export const POLL_MS = 3000;

/** A calibrated probability to three places, with where it ranks among its model's clusters: "0.973 ·
 * #3 of 5,210 · top 0.1%". Probabilities bunch up near 1, so the rank is what spreads the queue out. */
export function scoreText(risk: number, rank: number, scored: number): string {
  const probability = risk >= 0.9995 && risk < 1 ? ">0.999" : risk.toFixed(3);
  if (!scored) return probability;
  return `${probability} · #${rank.toLocaleString("en-US")} of ${scored.toLocaleString("en-US")} · top ${percentTop((100 * rank) / scored)}`;
}

function percentTop(share: number): string {
  if (share >= 10) return `${Math.round(share)}%`;
  if (share >= 1) return `${share.toFixed(1).replace(/\.0$/, "")}%`;
  return `${Math.max(share, 0.01).toFixed(2).replace(/0$/, "")}%`;
}

/** "26–50 of 213", or "none" on an empty queue. */
export function pageRange(page: number, pageSize: number, count: number): string {
  if (!count) return "none";
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(page * pageSize, count);
  return `${first.toLocaleString("en-US")}–${last.toLocaleString("en-US")} of ${count.toLocaleString("en-US")}`;
}

export const PHASES = ["reading", "scoring", "writing", "flagging", "explaining"] as const;

export interface JobProgress {
  status: string;
  phase: string;
  addresses_total: number;
  addresses_scored: number;
  explained: number;
  explain_top: number;
}

export interface PhaseStep {
  name: string;
  state: "done" | "current" | "pending";
  /** Share done, 0 to 1, where the phase counts something (writing, explaining); null otherwise. */
  progress: number | null;
}

/** Each phase of a job, done, current or pending. A finished job has done them all; a queued one none. */
export function phaseSteps(job: JobProgress): PhaseStep[] {
  const at = PHASES.indexOf(job.phase as (typeof PHASES)[number]);
  return PHASES.map((name, i) => {
    const state = stepState(job, at, i);
    const progress = !counted(name) ? null : state === "done" ? 1 : state === "current" ? phaseProgress(name, job) : 0;
    return { name, state, progress };
  });
}

function stepState(job: JobProgress, at: number, i: number): PhaseStep["state"] {
  if (job.status === "succeeded" || (at >= 0 && i < at)) return "done";
  return i === at && job.status === "running" ? "current" : "pending";
}

function counted(name: string): boolean {
  return name === "writing" || name === "explaining";
}

function phaseProgress(name: string, job: JobProgress): number {
  if (name === "writing") return job.addresses_total ? job.addresses_scored / job.addresses_total : 0;
  if (name === "explaining") return job.explain_top ? Math.min(1, job.explained / job.explain_top) : 0;
  return 0;
}

/** The line a job shows: "writing 1,250 of 5,000 addresses", "flagging clusters", "succeeded". */
export function phaseLine(job: JobProgress): string {
  if (job.status !== "running") return job.status;
  if (job.phase === "writing")
    return `writing ${job.addresses_scored.toLocaleString("en-US")} of ${job.addresses_total.toLocaleString("en-US")} scores`;
  return { reading: "reading the graph", scoring: "scoring every address", flagging: "flagging clusters", explaining: "explaining the riskiest" }[job.phase] ?? "starting";
}

/** What the dashboard says while no model is active; null once one is. */
export function firstModelMessage(state: { active_version: number | null; first_model: string }): string | null {
  if (state.active_version !== null) return null;
  switch (state.first_model) {
    case "training":
      return "No model is active yet: the first is being trained on the loaded blocks; its flags appear here in a few minutes.";
    case "waiting_for_blocks":
      return "No model is active yet: the first is trained once the demo world's blocks have loaded.";
    case "trained":
      return "No model is active: an admin can promote one (manage.py models promote).";
    default:
      return "No model is active yet: train one (manage.py train), then label the graph (manage.py label).";
  }
}
