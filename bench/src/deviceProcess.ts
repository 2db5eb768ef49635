// Runs one device job in a child process (device/deviceMain.ts) and hands back its measurement.
// `onReady` runs between the child's setup and its measured part (the orchestrator snapshots the
// link's counters there); progress arrives about once a second.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  ChildMessage,
  DeviceJob,
  DeviceMeasurement,
  DeviceProgress,
  ParentMessage,
} from './device/protocol';

const DEVICE_MAIN = fileURLToPath(new URL('./device/deviceMain.ts', import.meta.url));

export async function runDeviceJob(
  job: DeviceJob,
  hooks: { onReady(): void | Promise<void>; onProgress(p: DeviceProgress): void },
): Promise<DeviceMeasurement> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', DEVICE_MAIN], {
    env: { ...process.env, BENCH_JOB: JSON.stringify(job) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  let result: DeviceMeasurement | undefined;
  let failure: string | undefined;
  child.on('message', async (m: ChildMessage) => {
    if (m.type === 'ready') {
      await hooks.onReady();
      child.send({ type: 'go' } satisfies ParentMessage);
    } else if (m.type === 'progress') hooks.onProgress(m.progress);
    else if (m.type === 'result') result = m.measurement;
    else if (m.type === 'error') failure = m.message;
  });
  const exit = await new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  if (failure || !result) {
    throw new Error(
      `device job (${job.side}) failed (exit ${exit}): ${failure ?? 'no result'}\n${stderr.trim()}`,
    );
  }
  if (stderr.trim()) result.stderrTail = stderr.trim().split('\n').slice(-5);
  return result;
}
