/** The active labeling model: its test metrics and its training report's plots. */

import { labelingModels, modelPlotSrc } from "../../api/endpoints";
import { Failure, useLoaded } from "../Status";

const METRICS = ["pr_auc", "precision", "recall", "f1"];

export function ActiveModel() {
  const models = useLoaded(labelingModels, "models");
  const active = models.data?.find((m) => m.active);
  const metrics = (active?.metrics ?? {}) as Record<string, unknown>; // the schema says only "JSON"
  return (
    <>
      {models.error && <Failure error={models.error} retry={models.reload} />}
      {models.data && !active && <p>No model is active yet: the first is trained after the first blocks load.</p>}
      {active && (
        <div className="model">
          <p>
            Active model: version {active.version} ({active.kind}).{" "}
            {METRICS.filter((name) => typeof metrics[name] === "number")
              .map((name) => `${name.replace("_", "-").toUpperCase()} ${(metrics[name] as number).toFixed(3)}`)
              .join(" · ")}
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
