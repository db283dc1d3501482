/** The active labeling model: its test metrics and its training report's plots; before there is one, whether
 * the first is being trained (read from the job rows on the server: labeling/state). */

import { Link } from "react-router-dom";

import { labelingModels, labelingState, modelPlotSrc } from "../../api/endpoints";
import { Failure } from "../Status";
import { firstModelMessage, POLL_MS } from "./queue";
import { usePolled } from "./usePolled";

const METRICS = ["pr_auc", "precision", "recall", "f1"];

export function ActiveModel() {
  const state = usePolled(labelingState, "state", POLL_MS);
  const version = state.data?.active_version ?? null;
  const models = usePolled(labelingModels, `models:${version}`, 10 * POLL_MS);
  const active = models.data?.find((m) => m.active);
  const waiting = state.data ? firstModelMessage(state.data) : null;
  const metrics = (active?.metrics ?? {}) as Record<string, unknown>; // the schema says only "JSON"
  return (
    <>
      {models.error && <Failure error={models.error} retry={models.reload} />}
      {state.error && <Failure error={state.error} retry={state.reload} />}
      {waiting && <p role="status">{waiting}</p>}
      {active && (
        <div className="model">
          <p>
            Active model: version {active.version} ({active.kind}).{" "}
            {METRICS.filter((name) => typeof metrics[name] === "number")
              .map((name) => `${name.replace("_", "-").toUpperCase()} ${(metrics[name] as number).toFixed(3)}`)
              .join(" · ")}{" "}
            <Link to="/models">Confusion matrix, recall per typology and every model</Link>
          </p>
          <div className="plots">
            {active.plots.map((plot) => (
              <img
                key={plot}
                src={modelPlotSrc(active.version, plot)}
                alt={plot.replace("_", " ")}
                width={400}
              />
            ))}
          </div>
        </div>
      )}
    </>
  );
}
