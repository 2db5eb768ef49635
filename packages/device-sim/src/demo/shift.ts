// A technicians' shift, on the simulation's clock: the office has planned the day's jobs; each
// technician drives to a job (app in the background, phone in the van), opens the app on site,
// starts the job, takes "before" photos, works (phone in a pocket), takes "after" photos, closes the
// job and its invoice, and moves on. Some kitchens are in basements with no signal; now and then a
// technician swipes the app away, or takes a walk-in job. The office adds an urgent job, leaves
// notes and changes an invoice while its technician is offline (a conflict). In the evening the
// phones lie idle on chargers, and the OS runs the background task when it chooses.
import { randomUUID } from 'node:crypto';
import type { Office } from '../backend/office';
import type { IntentLog } from '../intentLog';
import type { SeededRandom } from '../seededRandom';
import type { SimClock } from '../simClock';
import { ProcessGone, type SimulatedDevice } from '../simulatedDevice';

const MINUTE = 60_000;
const CUSTOMERS = [
  'Golden Dragon',
  'Luigi’s Trattoria',
  'The Burger Joint',
  'Café Central',
  'Spice Route',
  'Harbor Fish House',
  'Taco Loco',
  'Bella Napoli',
  'Smokehouse BBQ',
  'Green Garden Bistro',
  'Sakura Sushi',
  'Le Petit Paris',
];

export interface Job {
  scheduleId: string;
  invoiceId: string;
  customer: string;
  /** Photos to take before / after the cleaning. */
  before: number;
  after: number;
  /** A basement kitchen: no signal on site. */
  noSignal: boolean;
}

export interface Technician {
  device: SimulatedDevice;
  jobs: Job[];
  /** Camera roll file names, used in order. */
  photos: string[];
}

export interface ShiftOptions {
  clock: SimClock;
  random: SeededRandom;
  office: Office;
  intents: IntentLog;
  technicians: Technician[];
  /** Virtual ms of the shift's start and length. */
  start: number;
  lengthMs: number;
}

/** Photos split into jobs of two (one before, one after); at least one job per technician. */
export function planJobs(photos: number, random: SeededRandom, firstCustomer: number): Job[] {
  const jobs = Math.max(1, Math.ceil(photos / 2));
  return Array.from({ length: jobs }, (_, j) => {
    const left = photos - j * 2;
    return {
      scheduleId: randomUUID(),
      invoiceId: randomUUID(),
      customer: CUSTOMERS[(firstCustomer + j) % CUSTOMERS.length]!,
      before: left >= 1 ? 1 : 0,
      after: left >= 2 ? 1 : 0,
      noSignal: random.chance(0.3),
    };
  });
}

/** The office's plan of the day, written to Postgres before anyone signs in. */
export async function planDay(options: ShiftOptions): Promise<void> {
  const { office, intents, technicians, start } = options;
  for (const t of technicians) {
    for (const [j, job] of t.jobs.entries()) {
      const at = new Date(start + (j + 1) * (options.lengthMs / (t.jobs.length + 1))).toISOString();
      await office.insert(intents, start, 'schedules', job.scheduleId, {
        customer: job.customer,
        address: `${100 + j * 17} Market St`,
        scheduled_at: at,
        status: 'scheduled',
        notes: `Assigned to ${t.device.name}`,
      });
      await office.insert(intents, start, 'invoices', job.invoiceId, {
        schedule_id: job.scheduleId,
        amount_cents: 45_000 + j * 5_000,
        status: 'draft',
      });
    }
  }
}

/** Runs everyone's day; resolves when the last technician has put the phone away for the night. */
export async function runShift(options: ShiftOptions): Promise<void> {
  const { technicians } = options;
  // The first technician's second job (or only job) is in a basement, and the office will change
  // its invoice while they are down there: their edit of it is made from a stale copy.
  const first = technicians[0];
  const conflictJob = first ? (first.jobs[1] ?? first.jobs[0]) : undefined;
  if (conflictJob) conflictJob.noSignal = true;
  const arrivals = new Map<Job, () => void>();
  const arrived = (job: Job) => new Promise<void>((resolve) => arrivals.set(job, resolve));
  const days = technicians.map((t, i) =>
    technicianDay(options, t, options.random.fork(), i, (job) => arrivals.get(job)?.()),
  );
  const office = officeDay(options, conflictJob ? arrived(conflictJob).then(() => conflictJob) : null);
  await Promise.all([...days, office]);
}

async function technicianDay(
  o: ShiftOptions,
  t: Technician,
  r: SeededRandom,
  index: number,
  onArrive: (job: Job) => void,
): Promise<void> {
  const { clock } = o;
  const dev = t.device;
  const sleepMin = (min: number) => clock.sleep(Math.round(min * MINUTE));
  const slotMin = o.lengthMs / MINUTE / t.jobs.length;
  let photo = 0;
  const takePhotos = async (job: Job, kind: 'before' | 'after', count: number) => {
    for (let i = 0; i < count; i++) {
      const file = t.photos[photo++];
      if (!file) return;
      await act(() => dev.takePhoto({ photoId: randomUUID(), file, scheduleId: job.scheduleId, kind }));
      await sleepMin(r.uniform(0.5, 2));
    }
  };

  await clock.sleep(o.start + r.int(0, 15) * MINUTE - clock.now());
  dev.scheduler.setDevice({ idle: false, charging: false });
  await act(() => dev.openApp());
  await sleepMin(r.uniform(3, 8));

  for (const [j, job] of t.jobs.entries()) {
    const slotEnds = o.start + (j + 1) * slotMin * MINUTE;
    // Drive to the site: the phone in the van, often on the charger.
    await act(() => dev.leaveApp());
    dev.scheduler.setDevice({ idle: true, charging: r.chance(0.6) });
    await sleepMin(slotMin * r.uniform(0.15, 0.3));
    if (job.noSignal) await dev.setOnline(false);
    dev.scheduler.setDevice({ idle: false, charging: false });
    await act(() => dev.openApp());
    onArrive(job);
    await sleepMin(r.uniform(1, 4));
    await act(() =>
      dev.write([
        { op: 'update', table: 'schedules', id: job.scheduleId, values: { status: 'in_progress' } },
      ]),
    );
    await takePhotos(job, 'before', job.before);
    // Work: the phone goes into a pocket (sometimes the app is swiped away first).
    if (r.chance(0.12)) await dev.forceQuit();
    else await act(() => dev.leaveApp());
    dev.scheduler.setDevice({ idle: true, charging: false });
    await sleepMin(slotMin * r.uniform(0.35, 0.5));
    dev.scheduler.setDevice({ idle: false });
    await act(() => dev.openApp());
    await takePhotos(job, 'after', job.after);
    await act(() =>
      dev.write([
        {
          op: 'update',
          table: 'schedules',
          id: job.scheduleId,
          values: { status: 'done', notes: `Hood, ducts and fan cleaned by ${dev.name}` },
        },
      ]),
    );
    await sleepMin(r.uniform(1, 3));
    await act(() =>
      dev.write([
        {
          op: 'update',
          table: 'invoices',
          id: job.invoiceId,
          values: {
            amount_cents: 40_000 + r.int(0, 60) * 1_000,
            status: 'sent',
            issued_at: new Date(clock.now()).toISOString(),
          },
        },
      ]),
    );
    // A walk-in: the neighbouring kitchen asks for a quote on the spot.
    if (j === 0 && index % 2 === 1) {
      const scheduleId = randomUUID();
      await act(() =>
        dev.write([
          {
            op: 'insert',
            table: 'schedules',
            id: scheduleId,
            values: {
              org_id: dev.orgId,
              customer: `${job.customer} (next door)`,
              address: 'Market St',
              scheduled_at: new Date(clock.now() + 7 * 24 * 60 * MINUTE).toISOString(),
              status: 'scheduled',
              notes: `Walk-in quote by ${dev.name}`,
            },
          },
          {
            op: 'insert',
            table: 'invoices',
            id: randomUUID(),
            values: { org_id: dev.orgId, schedule_id: scheduleId, amount_cents: 38_000, status: 'draft' },
          },
        ]),
      );
    }
    if (job.noSignal) {
      // Back up the stairs to the street: signal again.
      await sleepMin(r.uniform(2, 5));
      await act(() => dev.leaveApp());
      await dev.setOnline(true);
    }
    // Paperwork, lunch, the van: the app in the background until the next job's slot.
    await act(() => dev.leaveApp());
    dev.scheduler.setDevice({ idle: true, charging: r.chance(0.5) });
    await clock.sleep(Math.max(0, slotEnds - clock.now()));
  }
  // Home for the night: the phone on the charger, idle.
  await act(() => dev.leaveApp());
  dev.scheduler.setDevice({ idle: true, charging: true });
}

async function officeDay(o: ShiftOptions, conflict: Promise<Job> | null): Promise<void> {
  const { clock, office, intents, technicians, random: r } = o;
  const at = (offsetMin: number) => clock.sleep(Math.max(0, o.start + offsetMin * MINUTE - clock.now()));
  const tasks: Array<Promise<void>> = [];
  // Notes for later jobs, as dispatch learns about them.
  tasks.push(
    (async () => {
      for (const t of technicians) {
        const job = t.jobs.at(-1);
        if (!job) continue;
        await at(r.uniform(60, (o.lengthMs / MINUTE) * 0.6));
        await office.update(intents, clock.now(), 'schedules', job.scheduleId, {
          notes: `Gate code ${r.int(1000, 9999)}; ask for the manager`,
        });
      }
    })(),
  );
  // An urgent job for tomorrow, assigned mid-morning.
  tasks.push(
    (async () => {
      await at(150);
      const scheduleId = randomUUID();
      const who = technicians[r.int(0, technicians.length - 1)];
      await office.insert(intents, clock.now(), 'schedules', scheduleId, {
        customer: 'Night Owl Diner (urgent: grease fire)',
        address: '9 Harbor Rd',
        scheduled_at: new Date(clock.now() + 20 * 60 * MINUTE).toISOString(),
        status: 'scheduled',
        notes: `Urgent, assigned to ${who?.device.name ?? 'anyone'}`,
      });
      await office.insert(intents, clock.now(), 'invoices', randomUUID(), {
        schedule_id: scheduleId,
        amount_cents: 120_000,
        status: 'draft',
      });
    })(),
  );
  // The customer of the basement job calls the office about the price while the technician is down there.
  if (conflict) {
    tasks.push(
      (async () => {
        const job = await conflict;
        await clock.sleep(2 * MINUTE);
        await office.update(intents, clock.now(), 'invoices', job.invoiceId, { amount_cents: 42_500 });
      })(),
    );
  }
  await Promise.all(tasks);
}

/**
 * A user action. If the app died meanwhile (the OS killed it), the action is lost — whether it
 * was saved is for the consistency check's op accounting to settle — and the day goes on.
 */
async function act<T>(action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (e) {
    if (e instanceof ProcessGone) return undefined;
    throw e;
  }
}
