/** A form's fields read as the types the API's bodies take (generated from the schema), without a cast:
 * a cast would let a select's value that the API does not accept compile, and fail only on the server. */

/** Whether `value` is one of `choices`: narrows a form's string to the schema's enum. */
export function isChoice<T extends string>(choices: readonly T[], value: unknown): value is T {
  return choices.some((choice) => choice === value);
}

/** The field's value, one of `choices` (the options its select offers); otherwise an Error, which the page
 * shows as any failure. */
export function choiceOf<T extends string>(form: FormData, name: string, choices: readonly T[]): T {
  const value = form.get(name);
  if (!isChoice(choices, value)) throw new Error(`${name}: one of ${choices.join(", ")}`);
  return value;
}

/** The field's text ("" when the form has no such field, or holds a file there). */
export function textOf(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}
