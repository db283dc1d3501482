/** The latest labeling jobs with their progress. */

import { labelingJobs } from "../../api/endpoints";
import { stamp } from "../../format";
import { Failure, Loading, useLoaded } from "../Status";

export function LabelingJobs() {
  const jobs = useLoaded(() => labelingJobs(10), "jobs");
  return (
    <>
      {jobs.loading && <Loading what="labeling jobs" />}
      {jobs.error && <Failure error={jobs.error} retry={jobs.reload} />}
      {jobs.data && jobs.data.length > 0 && (
        <table aria-label="labeling jobs">
          <thead>
            <tr>
              <th>Job</th>
              <th>Model</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Flagged</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {jobs.data.map((job) => (
              <tr key={job.id}>
                <td>#{job.id} ({job.scope})</td>
                <td>v{job.version}</td>
                <td title={job.error}>{job.status}</td>
                <td>
                  <progress max={job.addresses_total || 1} value={job.addresses_scored} aria-label={`job ${job.id} progress`} />{" "}
                  {job.addresses_scored.toLocaleString()} / {job.addresses_total.toLocaleString()}
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
