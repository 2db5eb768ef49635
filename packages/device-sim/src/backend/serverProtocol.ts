// Messages between ServerProcess (the simulation) and serverChild.ts (the server in its own process).
import type { FaultAction, FaultPointName } from '@vhd/server/testing';

export type ServerRequest =
  | { type: 'query'; sql: string; params?: readonly unknown[] }
  /** Resolves once every webhook the dev media store sent so far was delivered or given up on. */
  | { type: 'notificationsIdle' }
  /** The dev media store's file size limit. */
  | { type: 'mediaMaxBytes' }
  | { type: 'arm'; point: FaultPointName; nth: number; action: FaultAction }
  | { type: 'disarm' }
  /** Closes the server gracefully and exits. */
  | { type: 'close' };

export type ServerRequestMessage = { id: number } & ServerRequest;

export type ServerChildMessage =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; message: string };
