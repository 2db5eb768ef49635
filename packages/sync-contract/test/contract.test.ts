import { readdir, readFile } from 'node:fs/promises';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { SignAnswer, SignRequest, UploadAnswer, UploadRequest } from '../src/index';

describe('the wire contract', () => {
  it('imports nothing but TypeBox and its own files, so the app bundle can import it', async () => {
    const dir = new URL('../src/', import.meta.url);
    const imported = new Set<string>();
    for (const file of await readdir(dir)) {
      const text = await readFile(new URL(file, dir), 'utf8');
      for (const [, spec] of text.matchAll(/from '([^']+)'/g)) imported.add(spec!);
    }
    expect([...imported].filter((spec) => !spec.startsWith('./') && spec !== 'typebox')).toEqual([]);
  });

  it('an upload request carries the ops as the engine sends them', () => {
    const op = { op_id: 7, op: 'PATCH', type: 'invoices', id: 'i1', tx_id: 3, data: { status: 'paid' } };
    expect(Value.Check(UploadRequest, { client_id: 'c1', batch: [op] })).toBe(true);
    expect(Value.Check(UploadRequest, { client_id: '', batch: [op] })).toBe(false);
    expect(Value.Check(UploadRequest, { client_id: 'c1', batch: [{ ...op, op: 'UPSERT' }] })).toBe(false);
    expect(Value.Check(UploadAnswer, { applied: [7], rejected: [] })).toBe(true);
    expect(Value.Check(UploadAnswer, { applied: [], rejected: [{ op_id: 7, code: 'conflict' }] })).toBe(
      false,
    );
  });

  it('signing: at most 50 uuids, nothing else asked; an already_uploaded rejection names its URL', () => {
    const id = '0b9e3f2c-6a7d-4c1e-9f00-123456789abc';
    expect(Value.Check(SignRequest, { photoIds: [id], confirmExisting: true })).toBe(true);
    expect(Value.Check(SignRequest, { photoIds: Array(51).fill(id) })).toBe(false);
    expect(Value.Check(SignRequest, { photoIds: [id], folder: 'x' })).toBe(false);
    const answer = { uploads: [], rejected: [{ photoId: id, code: 'already_uploaded' }], limits: null };
    expect(Value.Check(SignAnswer, answer)).toBe(false);
    answer.rejected[0] = { ...answer.rejected[0]!, cloudinary_url: 'https://x/y' } as never;
    expect(Value.Check(SignAnswer, answer)).toBe(true);
  });
});
