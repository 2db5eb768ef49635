// Strings a client sends reach Postgres as values and, inside rejection messages, as op_verdicts text.
// Postgres refuses NUL in text, and a lone UTF-16 surrogate would be stored as U+FFFD (data changed
// silently): both are refused up front, and client text is only ever quoted, escaped and shortened.

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text Postgres can store exactly as sent. */
export const isStorableText = (s: string) => !s.includes('\u0000') && !LONE_SURROGATE.test(s);

/**
 * A client string for a message: JSON-quoted (so NUL, control characters and lone surrogates become
 * ASCII escapes) and cut to `max` characters.
 */
export function quote(value: string, max = 64): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}

/**
 * The path of the first string (key or value) in a JSON value that Postgres cannot store as sent, or
 * null. Iterative: a body may nest deeper than the call stack.
 */
export function unstorableTextPath(value: unknown, root: string): string | null {
  const pending: [unknown, string][] = [[value, root]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [v, path] = next;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return path;
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        pending.push([item, `${path}[${i}]`]);
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const [key, item] of Object.entries(v)) {
        const at = `${path}.${quote(key, 32)}`;
        if (!isStorableText(key)) return at;
        pending.push([item, at]);
      }
    }
  }
  return null;
}
