/** The model view: a version's confusion matrix and recall per typology (a weak typology shows, however good
 * the overall figures), the models its training run trained side by side, every registered version, and how
 * the scores spread over the whole graph. */

import { useState } from "react";

import {
  labelingModels,
  modelPlotSrc,
  riskDistribution,
  type LabelingModel,
  type RiskDistribution,
} from "../api/endpoints";
import { Failure, Loading, useLoaded } from "../components/Status";
import { riskColour } from "../format";

export function Models() {
  const models = useLoaded(labelingModels, "models");
  const [chosen, setChosen] = useState<number | null>(null);
  if (models.loading) return <Loading what="the models" />;
  if (models.error || !models.data) return <Failure error={models.error ?? "no answer"} retry={models.reload} />;
  const versions = models.data;
  const shown = versions.find((m) => m.version === chosen) ?? versions.find((m) => m.active) ?? versions[0];
  return (
    <article className="models">
      <h1>Models</h1>
      {shown ? (
        <>
          <label>
            Version{" "}
            <select value={shown.version} onChange={(event) => setChosen(Number(event.target.value))}>
              {versions.map((m) => (
                <option key={m.version} value={m.version}>
                  {m.version} ({m.kind}
                  {m.active ? ", active" : ""})
                </option>
              ))}
            </select>
          </label>
          <div style={{ display: "grid", gridTemplateColumns: "1fr 1fr", gap: 16, alignItems: "start" }}>
            <Confusion model={shown} />
            <Distribution />
          </div>
          <TypologyRecall model={shown} />
          <SideBySide model={shown} />
          <Versions versions={versions} />
          <div className="plots">
            {shown.plots.map((plot) => (
              <img key={plot} src={modelPlotSrc(shown.version, plot)} alt={plot.replace("_", " ")} width={400} />
            ))}
          </div>
        </>
      ) : (
        <>
          <p>No model is registered yet.</p>
          <Distribution />
        </>
      )}
    </article>
  );
}

function figure(value: number | null | undefined, digits = 3): string {
  return typeof value === "number" ? value.toFixed(digits) : "–";
}

function Confusion({ model }: { model: LabelingModel }) {
  const c = model.confusion;
  return (
    <section aria-labelledby="confusion">
      <h2 id="confusion">Confusion matrix</h2>
      {c ? (
        <>
          <p className="count">
            Version {model.version}&apos;s test period, flagged from {figure(model.threshold, 2)}.
          </p>
          <table aria-label="confusion matrix">
            <thead>
              <tr>
                <th>Truth</th>
                <th>Flagged illicit</th>
                <th>Scored licit</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">Illicit</th>
                <td>{c.tp.toLocaleString("en")} caught</td>
                <td>{c.fn.toLocaleString("en")} missed</td>
              </tr>
              <tr>
                <th scope="row">Licit</th>
                <td>{c.fp.toLocaleString("en")} false alarms</td>
                <td>{c.tn.toLocaleString("en")} cleared</td>
              </tr>
            </tbody>
          </table>
        </>
      ) : (
        <p>This version was registered before the matrix was kept.</p>
      )}
    </section>
  );
}

/** Rows per typology; a column per model of the training run (the shipped first), else the version's own. */
function TypologyRecall({ model }: { model: LabelingModel }) {
  const columns = model.compared.length
    ? model.compared.map((m) => ({ name: m.name, recall: m.recall_by_typology }))
    : [{ name: model.kind, recall: model.recall_by_typology }];
  const counts = new Map(model.recall_by_typology.map((row) => [row.typology, row.illicit]));
  const typologies = [...new Set(columns.flatMap((column) => column.recall.map((row) => row.typology)))].sort();
  return (
    <section aria-labelledby="typology-recall">
      <h2 id="typology-recall">Recall per typology</h2>
      {typologies.length === 0 ? (
        <p>This version was registered before recall per typology was kept.</p>
      ) : (
        <table aria-label="recall per typology">
          <thead>
            <tr>
              <th>Typology</th>
              <th>Illicit in test</th>
              {columns.map((column) => (
                <th key={column.name}>{column.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {typologies.map((typology) => (
              <tr key={typology}>
                <th scope="row">{typology}</th>
                <td>{counts.get(typology) ?? "–"}</td>
                {columns.map((column) => (
                  <td key={column.name}>{figure(column.recall.find((row) => row.typology === typology)?.recall, 2)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SideBySide({ model }: { model: LabelingModel }) {
  return (
    <section aria-labelledby="side-by-side">
      <h2 id="side-by-side">Models side by side</h2>
      {model.compared.length === 0 ? (
        <p>No training report was kept with this version.</p>
      ) : (
        <table aria-label="models side by side">
          <thead>
            <tr>
              <th>Model</th>
              <th>Validation PR-AUC</th>
              <th>Test PR-AUC</th>
              <th>F1</th>
              <th>Precision</th>
              <th>Recall</th>
              <th>Training</th>
            </tr>
          </thead>
          <tbody>
            {model.compared.map((m) => (
              <tr key={m.name}>
                <th scope="row">
                  {m.name}
                  {m.shipped && " (shipped)"}
                </th>
                <td>{figure(m.val_pr_auc)}</td>
                <td>{figure(m.pr_auc)}</td>
                <td>{figure(m.f1)}</td>
                <td>{figure(m.precision)}</td>
                <td>{figure(m.recall)}</td>
                <td>{typeof m.seconds === "number" ? `${Math.round(m.seconds)} s` : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Versions({ versions }: { versions: LabelingModel[] }) {
  const metric = (m: LabelingModel, name: string) => figure((m.metrics as Record<string, number | undefined>)[name]);
  return (
    <section aria-labelledby="versions">
      <h2 id="versions">Registered versions</h2>
      <table aria-label="registered versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Kind</th>
            <th>PR-AUC</th>
            <th>F1</th>
            <th>Precision</th>
            <th>Recall</th>
            <th>Trained until block</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((m) => (
            <tr key={m.version}>
              <th scope="row">
                {m.version}
                {m.active && " (active)"}
              </th>
              <td>{m.kind}</td>
              <td>{metric(m, "pr_auc")}</td>
              <td>{metric(m, "f1")}</td>
              <td>{metric(m, "precision")}</td>
              <td>{metric(m, "recall")}</td>
              <td>{m.trained_until.toLocaleString("en")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const WIDTH = 560;
const HEIGHT = 160;
const COMPACT = new Intl.NumberFormat("en", { notation: "compact" });

function Distribution() {
  const found = useLoaded(riskDistribution, "distribution");
  return (
    <section aria-labelledby="distribution">
      <h2 id="distribution">Risk over the whole graph</h2>
      {found.loading && <Loading what="the risk distribution" />}
      {found.error && <Failure error={found.error} retry={found.reload} />}
      {found.data && <Histogram spread={found.data} />}
    </section>
  );
}

/** Bars on a log scale (most addresses score near 0, and a few hundred flagged would not show on a linear
 * one); each bar says its range and count on hover and to a screen reader. */
function Histogram({ spread }: { spread: RiskDistribution }) {
  if (spread.scored === 0) return <p>No address holds a score yet.</p>;
  const top = Math.log1p(Math.max(...spread.buckets.map((b) => b.addresses)));
  const width = WIDTH / spread.buckets.length;
  const flagged = spread.threshold === null ? null : spread.buckets.filter((b) => b.low >= spread.threshold!);
  return (
    <>
      <p className="count">
        {spread.scored.toLocaleString("en")} addresses scored
        {spread.threshold !== null && `; the active model flags from ${spread.threshold.toFixed(2)}`}
        {flagged && `, about ${flagged.reduce((sum, b) => sum + b.addresses, 0).toLocaleString("en")} at or above it`}.
        Log scale.
      </p>
      <svg
        role="img"
        aria-label="risk distribution"
        viewBox={`0 0 ${WIDTH} ${HEIGHT + 20}`}
        width={WIDTH}
        height={HEIGHT + 20}
      >
        {spread.buckets.map((b, i) => {
          const height = top ? (Math.log1p(b.addresses) / top) * HEIGHT : 0;
          return (
            <rect
              key={b.low}
              className="bar"
              data-addresses={b.addresses}
              x={i * width + 1}
              y={HEIGHT - height}
              width={width - 2}
              height={height}
              fill={riskColour((b.low + b.high) / 2)}
            >
              <title>{`${b.low.toFixed(2)} to ${b.high.toFixed(2)}: ${b.addresses.toLocaleString("en")} addresses`}</title>
            </rect>
          );
        })}
        {spread.threshold !== null && (
          <line
            x1={spread.threshold * WIDTH}
            x2={spread.threshold * WIDTH}
            y1={0}
            y2={HEIGHT}
            stroke="#1f2933"
            strokeDasharray="4 3"
          />
        )}
        {spread.buckets.map((b, i) =>
          b.addresses ? (
            <text
              key={`n${b.low}`}
              x={(i + 0.5) * width}
              y={HEIGHT - (Math.log1p(b.addresses) / top) * HEIGHT + 10}
              fontSize={10}
              textAnchor="middle"
              fill="#fff"
              aria-hidden="true"
            >
              {COMPACT.format(b.addresses)}
            </text>
          ) : null,
        )}
        {[0, 0.25, 0.5, 0.75, 1].map((tick) => (
          <text
            key={tick}
            x={tick * WIDTH}
            y={HEIGHT + 15}
            fontSize={11}
            fill="#52606d"
            textAnchor={tick === 0 ? "start" : tick === 1 ? "end" : "middle"}
          >
            {tick.toFixed(2)}
          </text>
        ))}
      </svg>
    </>
  );
}
