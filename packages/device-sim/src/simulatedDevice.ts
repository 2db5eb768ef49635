// One simulated phone, parent side. The app runs in a child process (src/device/deviceChild.ts),
// so killing the phone is a real SIGKILL and suspending it a SIGSTOP. The phone owns:
// - a LinkEmulator (its radio) in front of a DeviceGateway (its view of the backend, with faults);
// - an OsScheduler with the platform's policy, on the shared SimClock: it launches the background
//   task (cold-launching the app in the background if its process is gone) and stops launches the
//   way the OS does — iOS terminates an app whose task outlived its time; Android stops the worker
//   without telling JS; a force-quit kills the process;
// - the user's side: opening and leaving the app (the OS learns first, then the app's AppState
//   listener runs in the child), edits, photos, and the network going and coming back.
// The app's own calls to the OS (register/unregister the task) come back over IPC.
import { type ChildProcess, fork } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunReport, RunTrigger, SyncOverview, SyncSettings } from '@vhd/background-sync';
import type { LogLevel } from '@vhd/background-sync/node';
import type { Activity } from './activity';
import type { DeviceGateway } from './backend/deviceGateway';
import type { SimBackend } from './backend/simBackend';
import type {
  BrokenEngine,
  ChildMessage,
  DeviceChildConfig,
  DeviceCommand,
  DeviceSnapshot,
  DeviceStatus,
  KillPoint,
  LocalWrite,
  PhotoSpec,
  TakePhotoResult,
  WriteResult,
} from './device/protocol';
import type { IntentLog } from './intentLog';
import { LinkEmulator, type LinkProfile, type LinkProfileName } from './linkEmulator';
import { type Launch, OsScheduler, type PlatformPolicy, type SchedulerEvent } from './osScheduler';
import { androidPolicy } from './policies/androidPolicy';
import { iosPolicy } from './policies/iosPolicy';
import type { SeededRandom } from './seededRandom';
import type { SimClock } from './simClock';

const CHILD = fileURLToPath(new URL('./device/deviceChild.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export type Platform = 'ios' | 'android';

/** What happened to one run, on the simulation's clock. */
export interface RunRecord {
  device: string;
  trigger: RunTrigger;
  budgetMs: number;
  /** Virtual time when the run started / ended. */
  startedAt: number;
  endedAt?: number;
  /** Real milliseconds from start to end, as the parent saw them. */
  realMs?: number;
  /** The OS launch it served, for background runs. */
  launchId?: number;
  /** The engine's outcome, `killed` when the process died mid-run, `running` until it ends. */
  outcome: RunReport['outcome'] | 'killed' | 'running';
  report?: RunReport;
}

/** Something the phone went through, for the timeline. */
export interface DeviceEvent {
  at: number;
  kind:
    | 'open'
    | 'leave'
    | 'offline'
    | 'online'
    | 'kill'
    | 'force-quit'
    | 'suspend'
    | 'resume'
    | 'launch'
    | 'skipped'
    | 'stopped';
  detail?: string;
}

export interface SimulatedDeviceOptions {
  name: string;
  userId: string;
  orgId: string;
  platform: Platform;
  backend: SimBackend;
  /** The phone's folder: documents, camera roll, log. */
  dir: string;
  clock: SimClock;
  random: SeededRandom;
  activity: Activity;
  intents: IntentLog;
  link?: LinkProfileName | LinkProfile;
  /** The platform rules (default: iosPolicy() / androidPolicy()). */
  policy?: PlatformPolicy;
  /** Budget of an OS launch passed to the run (default: the policy's). */
  settings?: Partial<SyncSettings>;
  connectOptions?: Record<string, unknown>;
  tokenTtlSec?: number;
  staleTokens?: boolean;
  broken?: BrokenEngine;
  logLevel?: LogLevel;
  /** iOS suspends a background app with nothing to do after this long (virtual ms; default 10 s). */
  suspendAfterMs?: number;
  /** The app lifecycle's short-spell grace, real ms in the app's process (default 0; see protocol). */
  shortSpellMs?: number;
  /** Whether the OS scheduler launches the background task (default true; trials drive runs by hand). */
  osLaunches?: boolean;
  /** Real-time bound of one command (default 5 min). */
  commandTimeoutMs?: number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** One incarnation of the app's process. */
class AppProcess {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive = true;
  suspended = false;
  /** The network state the app last heard of (the OS tells an app again when it resumes). */
  heardOnline: boolean;

  constructor(
    readonly child: ChildProcess,
    private readonly commandTimeoutMs: number,
    online: boolean,
  ) {
    this.heardOnline = online;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.alive = false;
        for (const [, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(new ProcessGone(`the app process ended (${signal ?? code}) before answering`));
        }
        this.pending.clear();
        resolve({ code, signal });
      });
    });
  }

  command<T>(command: DeviceCommand): Promise<T> {
    if (!this.alive) return Promise.reject(new ProcessGone('the app process is not running'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`command ${command.type} got no answer in ${this.commandTimeoutMs} ms`));
      }, this.commandTimeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ kind: 'command', id, command });
    });
  }

  settle(message: Extract<ChildMessage, { kind: 'result' }>): void {
    const p = this.pending.get(message.id);
    if (!p) return;
    this.pending.delete(message.id);
    clearTimeout(p.timer);
    if (message.ok) p.resolve(message.value);
    else p.reject(new Error(message.error));
  }

  kill(): void {
    if (!this.alive) return;
    this.child.kill('SIGKILL');
  }

  suspend(): void {
    if (!this.alive || this.suspended) return;
    this.suspended = true;
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    if (!this.alive || !this.suspended) return;
    this.suspended = false;
    this.child.kill('SIGCONT');
  }
}

/** A command could not be answered because the app's process died (killed or crashed). */
export class ProcessGone extends Error {
  override name = 'ProcessGone';
}

export class SimulatedDevice {
  readonly name: string;
  readonly platform: Platform;
  readonly scheduler: OsScheduler;
  readonly runs: RunRecord[] = [];
  readonly events: DeviceEvent[] = [];
  /** Errors of the simulation itself (not of sync), e.g. a command that failed in the background. */
  readonly errors: string[] = [];
  readonly documentsDir: string;
  readonly cameraDir: string;
  readonly logPath: string;
  /** Processes started, and how many ended by SIGKILL. */
  launches = 0;
  kills = 0;
  private proc: AppProcess | undefined;
  private starting: Promise<AppProcess> | undefined;
  private appOpen = false;
  private online = true;
  private incarnation = 0;
  /** Runs in flight in the current process, by child seq. */
  private readonly activeRuns = new Map<number, { record: RunRecord; end: () => void; realStart: number }>();
  private suspendTimer: (() => void) | undefined;
  /** Commands sent and not yet answered. */
  private inFlight = 0;
  private readonly settledWaiters: Array<() => void> = [];
  private readonly unsubscribe: () => void;

  private constructor(
    private readonly options: SimulatedDeviceOptions,
    readonly link: LinkEmulator,
    readonly gateway: DeviceGateway,
  ) {
    this.name = options.name;
    this.platform = options.platform;
    this.documentsDir = join(options.dir, 'documents');
    this.cameraDir = join(options.dir, 'camera');
    this.logPath = join(options.dir, 'device.log');
    mkdirSync(this.documentsDir, { recursive: true });
    mkdirSync(this.cameraDir, { recursive: true });
    this.scheduler = new OsScheduler({
      policy: options.policy ?? (options.platform === 'ios' ? iosPolicy() : androidPolicy()),
      clock: options.clock,
      random: options.random.fork(),
    });
    this.unsubscribe = this.scheduler.onEvent((e) => this.onSchedulerEvent(e));
  }

  static async create(options: SimulatedDeviceOptions): Promise<SimulatedDevice> {
    const gateway = await options.backend.startGateway(options.orgId);
    const link = await LinkEmulator.start({
      target: { host: '127.0.0.1', port: gateway.port },
      profile: options.link ?? '4G',
    });
    return new SimulatedDevice(options, link, gateway);
  }

  get userId(): string {
    return this.options.userId;
  }

  get orgId(): string {
    return this.options.orgId;
  }

  get isRunning(): boolean {
    return this.proc?.alive === true;
  }

  get isSuspended(): boolean {
    return this.proc?.suspended === true;
  }

  get isOpen(): boolean {
    return this.appOpen;
  }

  get isOnline(): boolean {
    return this.online;
  }

  /** Runs in flight in this phone's process. */
  get runsInFlight(): number {
    return this.activeRuns.size;
  }

  /** Resolves when no run is in flight (they end, or the process dies). */
  runsSettled(): Promise<void> {
    if (this.activeRuns.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  private notifySettled(): void {
    if (this.activeRuns.size > 0) return;
    for (const w of this.settledWaiters.splice(0)) w();
  }

  private now(): number {
    return this.options.clock.now();
  }

  private event(kind: DeviceEvent['kind'], detail?: string): void {
    this.events.push({ at: this.now(), kind, ...(detail ? { detail } : {}) });
  }

  // ---- the process ----

  /** The running process, launched (cold) if needed, woken if suspended. */
  private async process(appState: 'active' | 'background'): Promise<AppProcess> {
    const proc = this.proc;
    if (proc?.alive) {
      this.wake();
      return proc;
    }
    this.starting ??= this.spawn(appState).finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private spawn(appState: 'active' | 'background'): Promise<AppProcess> {
    const o = this.options;
    const config: DeviceChildConfig = {
      name: o.name,
      userId: o.userId,
      orgId: o.orgId,
      platform: o.platform,
      apiUrl: this.link.url,
      backendOrigins: o.backend.origins,
      documentsDir: this.documentsDir,
      cameraDir: this.cameraDir,
      appState,
      online: this.online,
      ...(o.settings ? { settings: o.settings } : {}),
      ...(o.connectOptions ? { connectOptions: o.connectOptions } : {}),
      ...(o.tokenTtlSec ? { tokenTtlSec: o.tokenTtlSec } : {}),
      ...(o.staleTokens ? { staleTokens: true } : {}),
      ...(o.shortSpellMs ? { shortSpellMs: o.shortSpellMs } : {}),
      ...(o.broken ? { broken: o.broken } : {}),
      logLevel: o.logLevel ?? 'warn',
    };
    const log = openSync(this.logPath, 'a');
    const child = fork(CHILD, [], {
      execArgv: ['--import', TSX],
      env: { ...process.env, DEVICE_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    this.launches++;
    const incarnation = ++this.incarnation;
    const proc = new AppProcess(child, o.commandTimeoutMs ?? 300_000, this.online);
    this.proc = proc;
    const endStart = o.activity.begin();
    return new Promise<AppProcess>((resolve, reject) => {
      child.on('message', (m: ChildMessage) => {
        if (m.kind === 'ready') {
          endStart();
          resolve(proc);
        } else this.onChildMessage(incarnation, proc, m);
      });
      void proc.exited.then(({ code, signal }) => {
        endStart();
        this.onExit(incarnation, signal);
        reject(
          new ProcessGone(`the app process ended during start (${signal ?? code}); see ${this.logPath}`),
        );
      });
    });
  }

  private onChildMessage(incarnation: number, proc: AppProcess, m: ChildMessage): void {
    if (incarnation !== this.incarnation) return;
    switch (m.kind) {
      case 'result':
        proc.settle(m);
        return;
      case 'os':
        if (m.call === 'register') this.scheduler.register({ minimumIntervalMin: m.minimumIntervalMin });
        else this.scheduler.unregister();
        return;
      case 'runStarted': {
        const record: RunRecord = {
          device: this.name,
          trigger: m.trigger,
          budgetMs: m.budgetMs,
          startedAt: this.now(),
          outcome: 'running',
          ...(m.tag?.startsWith('launch:') ? { launchId: Number(m.tag.slice(7)) } : {}),
        };
        this.runs.push(record);
        this.activeRuns.set(m.seq, {
          record,
          end: this.options.activity.begin(),
          realStart: performance.now(),
        });
        return;
      }
      case 'runEnded': {
        const active = this.activeRuns.get(m.seq);
        if (!active) return;
        this.activeRuns.delete(m.seq);
        Object.assign(active.record, {
          endedAt: this.now(),
          realMs: performance.now() - active.realStart,
          outcome: m.report.outcome,
          report: m.report,
        });
        active.end();
        this.notifySettled();
        this.scheduleSuspend();
        return;
      }
    }
  }

  private onExit(incarnation: number, signal: NodeJS.Signals | null): void {
    if (incarnation !== this.incarnation) return;
    if (signal === 'SIGKILL') this.kills++;
    for (const [, active] of this.activeRuns) {
      Object.assign(active.record, {
        endedAt: this.now(),
        realMs: performance.now() - active.realStart,
        outcome: 'killed',
      });
      active.end();
    }
    this.activeRuns.clear();
    this.notifySettled();
    this.cancelSuspend();
  }

  /** SIGKILL the app's process (the OS or a crash), at once. Resolves when it is gone. */
  async kill(detail = 'killed'): Promise<void> {
    const proc = this.proc;
    if (!proc?.alive) return;
    this.event('kill', detail);
    proc.kill();
    await proc.exited;
  }

  private wake(): void {
    if (!this.proc?.suspended) return;
    this.proc.resume();
    this.event('resume');
  }

  /** iOS suspends a background app with nothing running a moment after it leaves the screen. */
  private scheduleSuspend(): void {
    if (this.platform !== 'ios') return;
    this.cancelSuspend();
    const after = this.options.suspendAfterMs ?? 10_000;
    this.suspendTimer = this.options.clock.schedule(this.now() + after, () => {
      this.suspendTimer = undefined;
      if (this.appOpen || !this.proc?.alive || this.proc.suspended || this.activeRuns.size > 0) return;
      if (this.inFlight > 0) return;
      this.proc.suspend();
      this.event('suspend');
    });
  }

  private cancelSuspend(): void {
    this.suspendTimer?.();
    this.suspendTimer = undefined;
  }

  /** Sends one command, counting it as activity; launches the process if it is not running. */
  private async command<T>(
    command: DeviceCommand,
    appState: 'active' | 'background' = 'background',
  ): Promise<T> {
    const end = this.options.activity.begin();
    this.inFlight++;
    try {
      const proc = await this.process(appState);
      if (proc.heardOnline !== this.online && command.type !== 'setNetwork') {
        proc.heardOnline = this.online;
        await proc.command({ type: 'setNetwork', online: this.online });
      }
      return await proc.command<T>(command);
    } finally {
      this.inFlight--;
      end();
    }
  }

  // ---- the user ----

  /** Camera roll of generated JPEGs (done in the app's process, off the simulation's clock). */
  async prepareCameraRoll(photos: PhotoSpec[]): Promise<void> {
    await this.command({ type: 'prepareCameraRoll', photos }, this.appOpen ? 'active' : 'background');
  }

  /** The user opens the app: the OS learns first; a dead app starts cold in the foreground. */
  async openApp(): Promise<void> {
    this.cancelSuspend();
    this.scheduler.foreground();
    this.appOpen = true;
    this.event('open');
    // A cold start in the foreground runs the same "became active" wiring at mount.
    await this.command({ type: 'appState', state: 'active' }, 'active');
  }

  /** The user leaves the app (home button, screen lock). */
  async leaveApp(): Promise<void> {
    if (!this.appOpen) return;
    this.scheduler.background();
    this.appOpen = false;
    this.event('leave');
    if (this.proc?.alive) {
      await this.command({ type: 'appState', state: 'background' });
      this.scheduleSuspend();
    }
  }

  /** The user swipes the app away: its process dies (on iOS no background launch until reopened). */
  async forceQuit(): Promise<void> {
    this.appOpen = false;
    this.event('force-quit');
    this.scheduler.forceQuit();
    const proc = this.proc;
    if (proc?.alive) {
      proc.kill();
      await proc.exited;
    }
  }

  /** Signal lost or back: the radio (link emulator), the OS scheduler and the app's network state. */
  async setOnline(online: boolean): Promise<void> {
    if (online === this.online) return;
    this.online = online;
    this.event(online ? 'online' : 'offline');
    this.link.setOffline(!online);
    this.scheduler.networkChanged(online);
    // A suspended app hears of it when it next runs (see command()).
    if (this.proc?.alive && !this.proc.suspended) {
      this.proc.heardOnline = online;
      await this.command({ type: 'setNetwork', online });
    }
  }

  /** One local transaction of the app's screens; committed writes go into the intent log. */
  async write(changes: LocalWrite[]): Promise<boolean[]> {
    const result = await this.command<WriteResult>({ type: 'write', changes }, 'active');
    const at = this.now();
    changes.forEach((c, i) => {
      if (!result.applied[i]) return;
      this.options.intents.addRow({
        writer: this.name,
        at,
        op: c.op,
        table: c.table,
        id: c.id,
        values: c.op === 'delete' ? {} : c.values,
      });
    });
    return result.applied;
  }

  async takePhoto(photo: {
    photoId: string;
    file: string;
    scheduleId: string | null;
    kind: 'before' | 'after' | null;
  }): Promise<TakePhotoResult> {
    // Logged before it is sent: if the app dies before answering, the photo may still have been saved.
    const confirm = this.options.intents.addPhoto({
      writer: this.name,
      at: this.now(),
      photoId: photo.photoId,
      orgId: this.orgId,
      scheduleId: photo.scheduleId,
    });
    const result = await this.command<TakePhotoResult>({ type: 'takePhoto', photo }, 'active');
    confirm();
    return result;
  }

  /** A run the app starts itself ("sync now", or the background task when driven by hand). */
  async runNow(budgetMs: number, trigger: RunTrigger = 'manual', tag?: string): Promise<RunReport> {
    return this.command<RunReport>(
      { type: 'runTask', budgetMs, trigger, ...(tag ? { tag } : {}) },
      this.appOpen ? 'active' : 'background',
    );
  }

  /** Arms a kill point in the running process (SIGKILL the nth time it is reached); null disarms. */
  async armKill(point: KillPoint | null, nth = 1): Promise<void> {
    await this.command({ type: 'armKill', point, nth });
  }

  async status(): Promise<DeviceStatus> {
    return this.command<DeviceStatus>({ type: 'status' }, this.appOpen ? 'active' : 'background');
  }

  /** What the app's Sync screen shows (the engine's getSyncOverview()). */
  async overview(): Promise<SyncOverview> {
    return this.command<SyncOverview>({ type: 'overview' }, this.appOpen ? 'active' : 'background');
  }

  /** Local state for the consistency check (launches the app in the background if needed). */
  async snapshot(): Promise<DeviceSnapshot> {
    return this.command<DeviceSnapshot>({ type: 'snapshot' }, this.appOpen ? 'active' : 'background');
  }

  // ---- the OS ----

  private onSchedulerEvent(e: SchedulerEvent): void {
    if (e.type === 'launch') {
      this.event('launch', `budget ${Math.round(e.launch.budgetMs / 1000)} s`);
      if (this.options.osLaunches !== false) void this.runLaunch(e.launch);
      return;
    }
    if (e.type === 'skipped') {
      this.event('skipped', e.reason);
      return;
    }
    this.event('stopped', e.reason);
    // iOS terminates an app that does not end its task in time (the expiration handler never
    // reaches JS); Android stops the worker without telling JS (network lost, cancelled).
    if (e.reason === 'expired' && this.platform === 'ios' && !this.appOpen && this.proc?.alive) {
      void this.kill('task expired');
    }
  }

  private async runLaunch(launch: Launch): Promise<void> {
    try {
      await this.command<RunReport>({
        type: 'runTask',
        budgetMs: launch.budgetMs,
        trigger: 'background',
        tag: `launch:${launch.id}`,
      });
    } catch (e) {
      // A kill mid-run is the OS's business; anything else is the simulation's error to report.
      if (!(e instanceof ProcessGone)) this.errors.push(`background launch ${launch.id}: ${String(e)}`);
    } finally {
      this.scheduler.finished(launch.id);
      this.scheduleSuspend();
    }
  }

  /** Ends the app gracefully (for the end of a simulation) and frees the link and gateway. */
  async close(): Promise<void> {
    this.unsubscribe();
    this.cancelSuspend();
    const proc = this.proc;
    if (proc?.alive) {
      proc.resume();
      try {
        await Promise.race([
          proc.command({ type: 'shutdown' }),
          new Promise((resolve) => setTimeout(resolve, 10_000)),
        ]);
      } catch {
        // Gone already.
      }
      const exited = await Promise.race([proc.exited.then(() => true), sleepReal(5_000).then(() => false)]);
      if (!exited) {
        proc.kill();
        await proc.exited;
      }
    }
    await this.link.close();
    await this.gateway.close();
  }
}

function sleepReal(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
