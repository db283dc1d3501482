/** The latest labeling jobs, each with its phases (reading, scoring, writing, flagging, explaining) and the
 * progress of the one it is in; polled, so a running job moves on without a reload. */

import type { LabelingJob } from "../../api/endpoints";
import { labelingJobs } from "../../api/endpoints";
import { stamp } from "../../format";
import { Failure, Loading } from "../Status";
import { phaseLine, phaseSteps, POLL_MS } from "./queue";
import { usePolled } from "./usePolled";

export function LabelingJobs() {
  const jobs = usePolled(() => labelingJobs(10), "jobs", POLL_MS);
  return (
    <>
      {jobs.loading && !jobs.data && <Loading what="labeling jobs" />}
      {jobs.error && <Failure error={jobs.error} retry={jobs.reload} />}
      {jobs.data && jobs.data.length > 0 && (
        <table aria-label="labeling jobs">
          <thead>
            <tr>
              <th>Job</th>
              <th>Model</th>
              <th>Status</th>
              <th>Phases</th>
              <th>Flagged</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.map((job) => (
              <tr key={job.id}>
                <td>#{job.id} ({job.scope})</td>
                <td>v{job.version}</td>
                <td title={job.error}>{phaseLine(job)}</td>
                <td>
                  <Phases job={job} /> {job.addresses_scored.toLocaleString()} / {job.addresses_total.toLocaleString()}{" "}
                  addresses
                </td>
                <td>
                  {job.flagged.toLocaleString()} addresses, {job.clusters_flagged.toLocaleString()} clusters
                </td>
                <td>{stamp(job.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Phases({ job }: { job: LabelingJob }) {
  return (
    <ol className="phases" aria-label={`job ${job.id} phases`}>
      {phaseSteps(job).map((step) => (
        <li key={step.name} className={`phase ${step.state}`} aria-current={step.state === "current" ? "step" : undefined}>
          {step.name}
          {step.progress !== null && step.state === "current" && (
            <progress max={1} value={step.progress} aria-label={`job ${job.id} ${step.name} progress`} />
          )}
        </li>
      ))}
    </ol>
  );
}
