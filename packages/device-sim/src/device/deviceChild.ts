// The device child process: one phone's app runtime. Started by SimulatedDevice with an IPC channel
// (`DEVICE_CONFIG` holds its DeviceChildConfig as JSON); a kill of the phone is a SIGKILL of this
// process. Commands are handled concurrently, as an app handles a tap while a task runs.
import type { RunReport } from '@vhd/background-sync';
import { DeviceApp } from './deviceApp';
import type { ChildMessage, CommandMessage, DeviceChildConfig, DeviceCommand } from './protocol';

const config = JSON.parse(process.env.DEVICE_CONFIG ?? 'null') as DeviceChildConfig | null;
if (!config || !process.send) {
  process.stderr.write(
    'deviceChild: needs DEVICE_CONFIG and an IPC channel (start it with SimulatedDevice)\n',
  );
  process.exit(2);
}

const send = (message: ChildMessage) => process.send?.(message);

const app = await DeviceApp.open(config, {
  registerTask: (minimumIntervalMin) => send({ kind: 'os', call: 'register', minimumIntervalMin }),
  unregisterTask: () => send({ kind: 'os', call: 'unregister' }),
  runStarted: (seq, trigger, budgetMs, tag) =>
    send({ kind: 'runStarted', seq, trigger, budgetMs, ...(tag ? { tag } : {}) }),
  runEnded: (seq, report: RunReport) => send({ kind: 'runEnded', seq, report }),
  kill: () => process.kill(process.pid, 'SIGKILL') as never,
});

async function handle(command: DeviceCommand): Promise<unknown> {
  switch (command.type) {
    case 'prepareCameraRoll':
      await app.prepareCameraRoll(command.photos);
      return null;
    case 'write':
      return app.write(command.changes);
    case 'takePhoto':
      return app.takePhoto(command.photo);
    case 'appState':
      await app.setAppState(command.state);
      return null;
    case 'runTask':
      return app.runTask(command.budgetMs, command.trigger, command.tag);
    case 'setNetwork':
      app.setNetwork(command.online, command.metered);
      return null;
    case 'armKill':
      app.armKill(command.point, command.nth);
      return null;
    case 'status':
      return app.status();
    case 'overview':
      return app.overview();
    case 'snapshot':
      return app.snapshot();
    case 'shutdown':
      await app.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (message: CommandMessage) => {
  if (message?.kind !== 'command') return;
  handle(message.command).then(
    (value) => send({ kind: 'result', id: message.id, ok: true, value: value ?? null }),
    (error: unknown) =>
      send({
        kind: 'result',
        id: message.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});
// The parent going away ends the phone too.
process.on('disconnect', () => process.exit(0));
send({ kind: 'ready' });
