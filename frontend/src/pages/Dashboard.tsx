/** The queue: the clusters the active model flagged, the team's alerts with filters and bulk triage,
 * and labeling (the active model and the latest jobs). */

import { ActiveModel } from "../components/dashboard/ActiveModel";
import { AlertQueue } from "../components/dashboard/AlertQueue";
import { FlaggedClusters } from "../components/dashboard/FlaggedClusters";
import { LabelingJobs } from "../components/dashboard/LabelingJobs";

export function Dashboard() {
  return (
    <div className="dashboard">
      <FlaggedClusters />
      <AlertQueue />
      <section aria-labelledby="labeling">
        <h2 id="labeling">Labeling</h2>
        <ActiveModel />
        <LabelingJobs />
      </section>
    </div>
  );
}
