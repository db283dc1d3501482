/** What an expansion brings: direction, minimum amount, block-date range and how many. */

import type { Filters } from "../../hooks/explorerState";
import { DateField } from "./DateField";

const LIMITS = [50, 100, 500, 1000, 2000]; // neighbours per expansion (the API's most: 2,000)

interface Props {
  filters: Filters;
  onChange: (change: Partial<Filters>) => void;
}

export function ExpandFilters({ filters, onChange }: Props) {
  return (
    <>
      <label>
        Direction
        <select value={filters.direction} onChange={(e) => onChange({ direction: e.target.value as Filters["direction"] })}>
          <option value="both">both</option>
          <option value="in">received</option>
          <option value="out">sent</option>
        </select>
      </label>
      <label>
        Min BTC
        <input inputMode="decimal" size={6} value={filters.minBtc} onChange={(e) => onChange({ minBtc: e.target.value })} />
      </label>
      <DateField label="From" value={filters.since} onChange={(since) => onChange({ since })} />
      <DateField label="To" value={filters.until} onChange={(until) => onChange({ until })} />
      <label>
        At most
        <select value={filters.limit} onChange={(e) => onChange({ limit: Number(e.target.value) })}>
          {LIMITS.map((n) => (
            <option key={n} value={n}>{n}</option>
          ))}
        </select>
      </label>
    </>
  );
}
