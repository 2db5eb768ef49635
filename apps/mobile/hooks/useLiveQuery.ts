// A live query on the signed-in user's database with the database's own watch API. (The
// @powersync/react hooks resolve a different @powersync/common copy than @powersync/react-native
// pins in this monorepo; mixing the two copies is not safe, so the screens do not use them.)
import { useEffect, useState } from 'react';
import { useSystem } from '../components/SessionProvider';

export function useLiveQuery<T>(sql: string, params: unknown[] = []): T[] {
  const { db, ports } = useSystem();
  const [rows, setRows] = useState<T[]>([]);
  const paramsKey = JSON.stringify(params);
  // biome-ignore lint/correctness/useExhaustiveDependencies: params are compared by value (paramsKey)
  useEffect(() => {
    const controller = new AbortController();
    db.watchWithCallback(
      sql,
      params,
      {
        onResult: (result) => setRows((result.rows?._array ?? []) as T[]),
        onError: (e) => ports.logger.warn('live query failed', { sql, error: String(e) }),
      },
      { signal: controller.signal },
    );
    return () => controller.abort();
  }, [db, sql, paramsKey, ports]);
  return rows;
}
