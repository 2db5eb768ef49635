/** Adds a parameter to the statement being built and returns its placeholder (`$n`). */
export type Param = (value: unknown) => string;

/** The parameters of one statement built from parts that each add their own. */
export function parameters(): { p: Param; values: unknown[] } {
  const values: unknown[] = [];
  return {
    values,
    p: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}
