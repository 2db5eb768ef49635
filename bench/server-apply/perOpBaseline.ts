import { createServer, type Server } from 'node:http';
import type { Db, Tx } from '@vhd/server';
import type { Op } from './workload';

// BASELINE for the benchmark only: the upload applied the obvious way, one SQL statement per op in
// one transaction (plus the same watermark and verdict bookkeeping as the real route, done in bulk).
// It skips validation, folding and conflict checks, so it flatters the baseline, not the real route.

function statementFor(op: Op, orgId: string): { sql: string; params: unknown[] } {
  const data = op.data ?? {};
  const names = Object.keys(data);
  const values = names.map((name) => data[name]);
  if (op.op === 'DELETE') {
    return { sql: `DELETE FROM ${op.type} WHERE id = $1 AND org_id = $2`, params: [op.id, orgId] };
  }
  if (op.op === 'PATCH') {
    const sets = names.map((name, i) => `${name} = $${i + 3}`);
    return {
      sql: `UPDATE ${op.type} SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 AND org_id = $2`,
      params: [op.id, orgId, ...values],
    };
  }
  const placeholders = names.map((_, i) => `$${i + 3}`);
  const updates = [...names.map((name) => `${name} = EXCLUDED.${name}`), 'updated_at = now()'].join(', ');
  if (op.type === 'invoices') {
    // The invoice number is server-assigned: taken in the same statement.
    return {
      sql: `WITH n AS (INSERT INTO invoice_counters AS c (org_id, last_number) VALUES ($2, 1)
                       ON CONFLICT (org_id) DO UPDATE SET last_number = c.last_number + 1 RETURNING last_number)
            INSERT INTO invoices AS t (id, org_id, ${names.join(', ')}, number, updated_at)
            SELECT $1, $2, ${placeholders.join(', ')}, n.last_number, now() FROM n
            ON CONFLICT (id) DO UPDATE SET ${updates} WHERE t.org_id = EXCLUDED.org_id`,
      params: [op.id, orgId, ...values],
    };
  }
  return {
    sql: `INSERT INTO ${op.type} AS t (id, org_id, ${names.join(', ')}, updated_at)
          VALUES ($1, $2, ${placeholders.join(', ')}, now())
          ON CONFLICT (id) DO UPDATE SET ${updates} WHERE t.org_id = EXCLUDED.org_id`,
    params: [op.id, orgId, ...values],
  };
}

async function lastApplied(tx: Tx, clientId: string, userId: string, orgId: string): Promise<number> {
  const { rows } = await tx.query<{ last_op_id: number | null }>(
    `INSERT INTO client_watermarks (client_id, user_id, org_id) VALUES ($1, $2, $3)
     ON CONFLICT (client_id) DO UPDATE SET client_id = EXCLUDED.client_id RETURNING last_op_id`,
    [clientId, userId, orgId],
  );
  return rows[0]?.last_op_id ?? 0;
}

/** Applies a batch with one statement per op; returns the applied op ids. */
export async function applyOnePerOp(db: Db, orgId: string, clientId: string, batch: Op[]): Promise<number[]> {
  return db.transaction(async (tx) => {
    const last = await lastApplied(tx, clientId, 'bench-user', orgId);
    const fresh = batch.filter((op) => op.op_id > last);
    for (const op of fresh) {
      const { sql, params } = statementFor(op, orgId);
      await tx.query(sql, params);
    }
    const opIds = fresh.map((op) => op.op_id);
    if (opIds.length > 0) {
      await tx.query(
        `INSERT INTO op_verdicts (client_id, op_id, tx_id, verdict)
         SELECT $1, u.op_id, u.tx_id, 'applied' FROM unnest($2::int8[], $3::int8[]) AS u(op_id, tx_id)`,
        [clientId, opIds, fresh.map((op) => op.tx_id)],
      );
      await tx.query(
        'UPDATE client_watermarks SET last_op_id = $2, updated_at = now() WHERE client_id = $1',
        [clientId, Math.max(...opIds)],
      );
    }
    return opIds;
  });
}

/**
 * The baseline behind the same kind of HTTP hop as the real route (JSON in, JSON out), so both sides
 * pay for transport and parsing. `POST /upload` with `{ org_id, client_id, batch }`.
 */
export async function startBaselineServer(db: Db): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        org_id: string;
        client_id: string;
        batch: Op[];
      };
      const applied = await applyOnePerOp(db, body.org_id, body.client_id, body.batch);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ applied, rejected: [] }));
    } catch (error) {
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: String(error) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/upload`, server };
}
