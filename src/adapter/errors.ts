/** Error messages that say what was expected and what came in (p-timeout style). */

/** A short rendering of a bad input for an error message; never throws. */
export function describe(input: unknown): string {
  return typeof input === 'string'
    ? JSON.stringify(input)
    : typeof input === 'function'
      ? 'a function'
      : input !== null && typeof input === 'object'
        ? Array.isArray(input)
          ? 'an array'
          : 'an object'
        : String(input);
}

/** The error for an input `got` that should have been `what`: "Expected \`name\` to be what, got …". */
export const expected = (Type: new (message: string) => Error, name: string, what: string, got: unknown): Error =>
  new Type(`Expected \`${name}\` to be ${what}, got ${describe(got)}`);
