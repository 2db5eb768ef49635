// Test support: starts runChild.ts in a child process (tsx) and lets the test kill it.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '../../src/runReport';
import type { ChildConfig } from './runChild';

const CHILD = fileURLToPath(new URL('./runChild.ts', import.meta.url));

export interface RunChild {
  process: ChildProcess;
  /** Resolves when the child is about to start its run. */
  ready: Promise<void>;
  /** Resolves when the child exits: its signal (SIGKILL when killed) and its report if it finished. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; report?: RunReport; stderr: string }>;
  kill(): void;
}

export function spawnRunChild(config: ChildConfig): RunChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, CHILD_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('ready\n')) onReady();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    report?: RunReport;
    stderr: string;
  }>((resolve) => {
    child.on('close', (code, signal) => {
      onReady();
      const line = stdout.split('\n').find((l) => l.startsWith('report '));
      resolve({
        code,
        signal,
        stderr,
        ...(line ? { report: JSON.parse(line.slice('report '.length)) as RunReport } : {}),
      });
    });
  });
  return { process: child, ready, exit, kill: () => child.kill('SIGKILL') };
}
