// `npm start` at the repository root: the demo on embedded defaults, no configuration needed.
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { describeReplicationLag, parseReplicationLag, REPLICATION_LAG_HELP } from '../replicationLagArg';
import { formatBytes, formatMs } from '../report/table';
import { consistencyTable, runTable, TIMELINE_LEGEND, timeline } from './demoReport';
import { type DemoOptions, runDemo } from './runDemo';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number ${min}–${max}`);
  return n;
};

const program = new Command('npm start --')
  .description(
    'VHD background sync, end to end: our server (PGlite, dev auth, dev media store), the PowerSync test double, and technicians’ phones (child processes running the real engine on @powersync/node behind emulated links) through a shift on a simulated clock — edits, photos, lost signal, the app in the background, the OS running the background task (iOS / Android rules), kills — then a consistency check of Postgres, the media store and every phone. Exits non-zero if anything was lost or doubled.',
  )
  .option('--technicians <n>', 'phones in the field', int('--technicians', 1, 12), 3)
  .option('--photos <n>', 'photos per technician (two per job)', int('--photos', 0, 40), 6)
  .addOption(new Option('--platform <p>', 'phones’ OS').choices(['ios', 'android', 'mixed']).default('mixed'))
  .addOption(
    new Option('--link <profile>', 'network link of each phone')
      .choices(['4G', 'poor3G', 'none'])
      .default('4G'),
  )
  .addOption(
    new Option('--photo-size <size>', 'photo size: 200 kB, 2 MB or 20 MB')
      .choices(['small', 'typical', 'large'])
      .default('typical'),
  )
  .option('--seed <n>', 'seed of every random choice', int('--seed', 0, 2 ** 31), 1)
  .option('--duration <hours>', 'simulated shift length in hours', int('--duration', 1, 16), 8)
  .option('--keep', 'keep the temporary folder (server data, phones’ databases and logs)')
  .option('--replication-lag <ms>', REPLICATION_LAG_HELP, parseReplicationLag)
  .option('--serve', 'keep the server up afterwards and print the office page’s URL (Ctrl-C stops it)')
  .option('--port <n>', 'the server’s port (default: a free one)', int('--port', 1, 65_535))
  .parse();

const o = program.opts<{
  technicians: number;
  photos: number;
  platform: DemoOptions['platform'];
  link: DemoOptions['link'];
  photoSize: DemoOptions['photoSize'];
  seed: number;
  duration: number;
  keep?: boolean;
  replicationLag?: ReturnType<typeof parseReplicationLag>;
  serve?: boolean;
  port?: number;
}>();

console.log(
  `VHD background sync demo: ${o.technicians} technicians (${o.platform}), ${o.photos} photos each (${o.photoSize}), ` +
    `${o.link} links, ${o.duration} h shift, seed ${o.seed}` +
    `${o.replicationLag === undefined ? '' : `, replication lag ${describeReplicationLag(o.replicationLag)}`}\n`,
);
const tty = process.stdout.isTTY === true;
const bar = new cliProgress.SingleBar(
  {
    format: '{phase} [{bar}] {time} | runs {runs} | photos {synced}/{taken} synced | ops {ops} applied',
    noTTYOutput: !tty,
    notTTYSchedule: 5_000,
    hideCursor: tty,
    barsize: 30,
  },
  cliProgress.Presets.shades_classic,
);
const shiftMs = o.duration * 3_600_000;
let started = false;
const result = await runDemo(
  {
    technicians: o.technicians,
    photos: o.photos,
    platform: o.platform,
    link: o.link,
    photoSize: o.photoSize,
    seed: o.seed,
    hours: o.duration,
    ...(o.keep ? { keep: true } : {}),
    ...(o.replicationLag === undefined ? {} : { replicationLagMs: o.replicationLag }),
    ...(o.serve ? { serve: true } : {}),
    ...(o.port ? { port: o.port } : {}),
  },
  (p) => {
    const payload = {
      phase: p.phase.padEnd(10),
      time: new Date(p.at).toISOString().slice(11, 16),
      runs: p.runs,
      synced: p.photosSynced,
      taken: p.photosTaken,
      ops: p.opsApplied,
    };
    if (!started) {
      bar.start(shiftMs, 0, payload);
      started = true;
    }
    const from = Date.UTC(2025, 0, 6, 7);
    bar.update(Math.min(shiftMs, Math.max(0, p.at - from)), payload);
  },
);
if (started) bar.stop();

const runs = result.devices.flatMap((d) => d.runs);
console.log(`\nRuns (${runs.length}; times are the simulated clock, "took" is real time):\n`);
console.log(runTable(result.devices));
console.log(`\nTimeline (${new Date(result.from).toISOString().slice(11, 16)} → next morning):\n`);
console.log(timeline(result.devices, result.from, result.to));
console.log(TIMELINE_LEGEND);
const kills = result.devices.reduce((n, d) => n + d.kills, 0);
const launches = result.devices.reduce((n, d) => n + d.launches, 0);
console.log(
  `\n${launches} app processes started, ${kills} SIGKILLed; links carried ${formatBytes(result.linkBytes.up)} up, ` +
    `${formatBytes(result.linkBytes.down)} down.`,
);
console.log('\nConsistency check (Postgres, media store, every phone):\n');
console.log(consistencyTable(result.report));
for (const e of result.errors) console.log(`simulation error: ${e}`);
console.log(
  `\n${result.ok ? 'CONSISTENT' : 'INCONSISTENT'}: demo took ${formatMs(result.durationMs)}.` +
    (result.ok && !o.keep ? '' : ` Files: ${result.dir}`),
);
if (result.office) {
  const office = result.office;
  console.log(
    `\nOffice page (sync health of every phone, as of the end of the shift): ${office.url}\n` +
      `Sign in (dev auth, organization ${office.orgId}): ${office.signInUrl}\n` +
      'The server stays up until Ctrl-C.',
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await office.close();
}
process.exit(result.ok ? 0 : 1);
