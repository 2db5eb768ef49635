// Calls to our server: a fresh Clerk token on every request (session tokens live ~60 s), one retry
// with a force-refreshed token on 401, a timeout on every request, and failures as values, so
// callers decide what a failure means for their phase.
import { abortReason, raceSignal } from './abort';
import { parseRetryAfterMs } from './failurePolicy';
import type { Ports } from './ports';
import { RunBudget } from './runBudget';

export type ApiFailure =
  /** No user is signed in, or the server refused a freshly refreshed token. */
  | { kind: 'signed_out'; message: string }
  | { kind: 'http'; status: number; code?: string; message: string; retryAfterMs?: number; body?: unknown }
  | { kind: 'network'; message: string }
  /** This request's own timeout fired. */
  | { kind: 'timeout'; message: string }
  /** The request's budget aborted; `reason` is its reason (a TimeoutError for a run's deadline). */
  | { kind: 'aborted'; reason: Error };

export type ApiResult<T> = { ok: true; status: number; body: T } | { ok: false; failure: ApiFailure };

export interface ApiRequest {
  method: 'GET' | 'POST';
  path: string;
  /** Serialised JSON body. */
  body?: string;
  /** The budget the request runs under (a run's, or a session's): its abort ends the request. */
  budget?: RunBudget;
  /** This request's own timeout; inside a run, `budget.requestTimeoutMs(cap)`. */
  timeoutMs: number;
  /** Send the Clerk token (default true). */
  auth?: boolean;
}

export type ApiPorts = Pick<Ports, 'fetch' | 'auth' | 'apiUrl' | 'clock' | 'logger'>;

export class ApiClient {
  constructor(private readonly ports: ApiPorts) {}

  get<T>(path: string, options: Omit<ApiRequest, 'method' | 'path' | 'body'>): Promise<ApiResult<T>> {
    return this.request<T>({ ...options, method: 'GET', path });
  }

  post<T>(
    path: string,
    body: unknown,
    options: Omit<ApiRequest, 'method' | 'path' | 'body'>,
  ): Promise<ApiResult<T>> {
    return this.request<T>({ ...options, method: 'POST', path, body: JSON.stringify(body) });
  }

  async request<T>(req: ApiRequest): Promise<ApiResult<T>> {
    if (req.auth === false) return this.attempt<T>(req, null);
    const first = await this.token(req, false);
    if ('failure' in first) return first;
    const res = await this.attempt<T>(req, first.token);
    if (res.ok || res.failure.kind !== 'http' || res.failure.status !== 401) return res;
    // The cached session token may have expired between issue and use: one fresh one, then give up.
    const second = await this.token(req, true);
    if ('failure' in second) return second;
    const retry = await this.attempt<T>(req, second.token);
    if (!retry.ok && retry.failure.kind === 'http' && retry.failure.status === 401) {
      return {
        ok: false,
        failure: { kind: 'signed_out', message: `401 after a refreshed token: ${retry.failure.message}` },
      };
    }
    return retry;
  }

  private async token(
    req: ApiRequest,
    forceRefresh: boolean,
  ): Promise<{ token: string } | { ok: false; failure: ApiFailure }> {
    const waiting = budgetOf(req).child();
    try {
      const pending = this.ports.auth.getToken(forceRefresh ? { forceRefresh } : undefined);
      const token = await raceSignal(pending, waiting.signal);
      if (!token) return { ok: false, failure: { kind: 'signed_out', message: 'no user is signed in' } };
      return { token };
    } catch (e) {
      const aborted = abortedFailure(req);
      if (aborted) return aborted;
      return {
        ok: false,
        failure: { kind: 'network', message: `token provider failed: ${errorMessage(e)}` },
      };
    } finally {
      waiting.dispose();
    }
  }

  private async attempt<T>(req: ApiRequest, token: string | null): Promise<ApiResult<T>> {
    const timer = budgetOf(req).child(req.timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    try {
      const res = await this.ports.fetch(`${this.ports.apiUrl}${req.path}`, {
        method: req.method,
        headers,
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal: timer.signal,
      });
      // Some fetch implementations do not abort a body read: race it.
      const text = await raceSignal(res.text(), timer.signal);
      const json = parseJson(text);
      if (res.ok) {
        if (json === undefined) {
          return { ok: false, failure: { kind: 'http', status: res.status, message: 'answer is not JSON' } };
        }
        return { ok: true, status: res.status, body: json as T };
      }
      const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      const retryAfterMs = parseRetryAfterMs(res.headers.get('retry-after'), this.ports.clock.now());
      return {
        ok: false,
        failure: {
          kind: 'http',
          status: res.status,
          message: `HTTP ${res.status}${typeof error?.message === 'string' ? `: ${error.message}` : ''}`,
          ...(typeof error?.code === 'string' ? { code: error.code } : {}),
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          ...(json !== undefined ? { body: json } : {}),
        },
      };
    } catch (e) {
      const aborted = abortedFailure(req);
      if (aborted) return aborted;
      if (timer.timedOut) {
        return { ok: false, failure: { kind: 'timeout', message: `no answer within ${req.timeoutMs} ms` } };
      }
      return { ok: false, failure: { kind: 'network', message: errorMessage(e) } };
    } finally {
      timer.dispose();
    }
  }
}

/** A request outside any budget is bounded by its own timeout only. */
function budgetOf(req: ApiRequest): RunBudget {
  return req.budget ?? new RunBudget({});
}

function abortedFailure(req: ApiRequest): { ok: false; failure: ApiFailure } | null {
  const signal = req.budget?.signal;
  return signal?.aborted ? { ok: false, failure: { kind: 'aborted', reason: abortReason(signal) } } : null;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}
