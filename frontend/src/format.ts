/** How figures read on screen. */

export const SATS_PER_BTC = 100_000_000;

export function btc(satoshis: number | null | undefined): string {
  if (satoshis === null || satoshis === undefined) return "–";
  const value = satoshis / SATS_PER_BTC;
  return `${value.toLocaleString("en-US", { maximumFractionDigits: 8 })} BTC`;
}

export function when(unixSeconds: number | null | undefined): string {
  if (!unixSeconds) return "unconfirmed";
  return new Date(unixSeconds * 1000).toISOString().slice(0, 16).replace("T", " ");
}

/** A server timestamp (ISO 8601, UTC) to the minute, or to the second. */
export function stamp(iso: string, seconds = false): string {
  return iso.slice(0, seconds ? 19 : 16).replace("T", " ");
}

export function shortId(id: string, keep = 8): string {
  return id.length > 2 * keep + 1 ? `${id.slice(0, keep)}…${id.slice(-keep)}` : id;
}

/** The screening levels (screening/services.py): the same words everywhere. */
export function riskLevel(risk: number | null | undefined): string {
  if (risk === null || risk === undefined) return "unscored";
  const score = risk * 100;
  if (score >= 80) return "severe";
  if (score >= 60) return "high";
  if (score >= 30) return "medium";
  return "low";
}

/** Green through amber to red by risk; grey when the model has not scored it. */
export function riskColour(risk: number | null | undefined): string {
  if (risk === null || risk === undefined) return "#9aa5b1";
  const r = Math.max(0, Math.min(1, risk));
  const [from, to, t] = r < 0.5 ? [[46, 160, 67], [230, 160, 20], r / 0.5] : [[230, 160, 20], [200, 30, 30], (r - 0.5) / 0.5];
  const mix = from.map((channel, i) => Math.round(channel + (to[i] - channel) * t));
  return `rgb(${mix.join(", ")})`;
}

/** A colour per tag category: the common ones fixed (illicit ones in reds and purples, services in blues),
 * any other one of a small palette by its name, grey for none. */
const CATEGORY_COLOURS: Record<string, string> = {
  exchange: "#1d4ed8",
  wallet_service: "#0891b2",
  miner: "#0d9488",
  gambling: "#d97706",
  mixing_service: "#7c3aed",
  ransomware: "#b91c1c",
  darknet_market: "#7f1d1d",
  scam: "#db2777",
  sanctioned: "#111827",
};
const PALETTE = ["#65a30d", "#ca8a04", "#9333ea", "#0284c7", "#c2410c", "#4d7c0f"];

export function categoryColour(category: string | null | undefined): string {
  if (!category) return "#9aa5b1";
  if (CATEGORY_COLOURS[category]) return CATEGORY_COLOURS[category];
  const hash = [...category].reduce((sum, ch) => (sum * 31 + ch.charCodeAt(0)) >>> 0, 7);
  return PALETTE[hash % PALETTE.length];
}

/** A day as yyyy-mm-dd when the text is one that exists (2024-02-30 is not), else null: dates are typed
 * in ISO whatever the browser's locale. */
export function isoDay(text: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const day = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text ? text : null;
}
