/** A date typed as yyyy-mm-dd, whatever the browser's locale (a native date input shows mm/dd/yyyy in
 * en-US), with the browser's calendar behind a button: the calendar's input is never shown, only read,
 * and a date input's value is ISO in every locale. */

import { useRef } from "react";

import { isoDay } from "../../format";

interface Props {
  label: string;
  value: string;
  onChange: (day: string) => void;
}

export function DateField({ label, value, onChange }: Props) {
  const calendar = useRef<HTMLInputElement>(null);
  const invalid = value !== "" && isoDay(value) === null;
  return (
    <span className="date-field">
      <label>
        {label}
        <input
          value={value}
          placeholder="yyyy-mm-dd"
          size={10}
          inputMode="numeric"
          aria-invalid={invalid}
          title={invalid ? "a date as yyyy-mm-dd" : undefined}
          onChange={(e) => onChange(e.target.value.trim())}
        />
      </label>
      <button type="button" aria-label={`pick the ${label.toLowerCase()} date`} onClick={() => calendar.current?.showPicker()}>
        Pick
      </button>
      <input
        ref={calendar}
        type="date"
        className="calendar"
        tabIndex={-1}
        aria-hidden="true"
        value={isoDay(value) ?? ""}
        onChange={(e) => onChange(e.target.value)}
      />
    </span>
  );
}
