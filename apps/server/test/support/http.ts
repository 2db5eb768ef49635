import { randomUUID } from 'node:crypto';
import type { UploadAnswer } from '@vhd/sync-contract';
import type { TestServer } from '../../src/testing';

// biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly and assert on them
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A request to the test server; the body is parsed as JSON when it is JSON. */
// biome-ignore lint/suspicious/noExplicitAny: as above
export async function call<T = any>(
  server: TestServer,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined || opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = opts.rawBody ?? JSON.stringify(opts.body);
  }
  const res = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await res.text();
  const isJson = res.headers.get('content-type')?.includes('application/json');
  return { status: res.status, headers: res.headers, body: (isJson && text ? JSON.parse(text) : text) as T };
}

export interface Op {
  op_id: number;
  op: 'PUT' | 'PATCH' | 'DELETE' | string;
  type: string;
  id: string;
  tx_id?: number | null;
  data?: Record<string, unknown>;
  old?: Record<string, unknown>;
}

export type { UploadAnswer };

/** Builds ops with increasing op_ids; each op is its own transaction unless `tx` groups them. */
export class OpLog {
  private nextOp = 1;
  private nextTx = 1;
  constructor(readonly clientId = `client-${randomUUID()}`) {}

  op(op: Omit<Op, 'op_id' | 'tx_id'>, txId?: number): Op {
    const opId = this.nextOp++;
    return { ...op, op_id: opId, tx_id: txId ?? this.nextTx++ };
  }

  /** Several ops in one client transaction. */
  tx(...ops: Omit<Op, 'op_id' | 'tx_id'>[]): Op[] {
    const txId = this.nextTx++;
    return ops.map((o) => this.op(o, txId));
  }

  put(type: string, id: string, data: Record<string, unknown> = {}) {
    return this.op({ op: 'PUT', type, id, data });
  }
  patch(type: string, id: string, data: Record<string, unknown>, old?: Record<string, unknown>) {
    return this.op({ op: 'PATCH', type, id, data, ...(old ? { old } : {}) });
  }
  delete(type: string, id: string) {
    return this.op({ op: 'DELETE', type, id });
  }
}

export async function upload(server: TestServer, token: string, clientId: string, batch: Op[]) {
  return call(server, 'POST', '/api/powersync/upload', {
    token,
    body: { client_id: clientId, batch },
  });
}

/** Uploads and insists on a 200. */
export async function uploadOk(
  server: TestServer,
  token: string,
  clientId: string,
  batch: Op[],
): Promise<UploadAnswer> {
  const res = await upload(server, token, clientId, batch);
  if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function row(
  server: TestServer,
  table: string,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const { rows } = await server.db.query(`SELECT * FROM ${table} WHERE id = $1`, [id]);
  return rows[0];
}

export const uuid = () => randomUUID();

/** A fresh organization with a session of its own, so tests never see each other's rows. */
export async function newOrg(server: Pick<TestServer, 'mintToken'>) {
  const orgId = `org_${uuid().slice(0, 8)}`;
  return { orgId, token: await server.mintToken({ orgId }) };
}
