// Client text on its way to Postgres and into messages: what can be stored as sent, and how client
// strings are quoted. Pure functions (fast enough for mutation testing).
import { describe, expect, it } from 'vitest';
import { isStorableText, quote, unstorableTextPath } from '../../src/crudApply/clientText';

describe('client text', () => {
  it('stores text without NUL or lone surrogates; a whole surrogate pair is fine', () => {
    expect(isStorableText('plain ✓ \ud83d\ude00')).toBe(true);
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('high \ud83d alone')).toBe(false);
    expect(isStorableText('high at the end \ud83d')).toBe(false);
    expect(isStorableText('\ude00 low alone')).toBe(false);
    expect(isStorableText('low after text \ude00')).toBe(false);
  });

  it('quotes a client string as JSON, cut to `max` characters with an ellipsis', () => {
    expect(quote('a"b\n\u0000')).toBe('"a\\"b\\n\\u0000"');
    expect(quote('x'.repeat(64))).toBe(`"${'x'.repeat(64)}"`);
    expect(quote('x'.repeat(65))).toBe(`"${'x'.repeat(64)}…"`);
    expect(quote('abcdef', 3)).toBe('"abc…"');
    expect(quote('\ud83d')).toBe('"\\ud83d"');
  });

  it('names the path of the first unstorable string, key or value, however deep', () => {
    expect(unstorableTextPath({ a: ['ok', { b: 'x\u0000' }] }, 'op')).toBe('op."a"[1]."b"');
    expect(unstorableTextPath({ 'k\u0000': 1 }, 'op')).toBe('op."k\\u0000"');
    expect(unstorableTextPath('\udc00', 'op')).toBe('op');
    expect(unstorableTextPath({ a: 1, b: null, c: [true, 'fine'], d: { e: 'ok' } }, 'op')).toBeNull();
    let deep: unknown = 'bad\u0000';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(unstorableTextPath(deep, 'op')?.length).toBe('op'.length + 20_000 * '[0]'.length);
  });

  it('cuts a long key in a path to 32 characters', () => {
    expect(unstorableTextPath({ ['k'.repeat(40)]: '\u0000' }, 'op')).toBe(`op."${'k'.repeat(32)}…"`);
  });
});
