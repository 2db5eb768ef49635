// The Sync screen and the status badge over an overview fixture with every state, under the one
// SyncStatusProvider, wired to a system whose queue, database and engine record what the screens
// ask of them. The issue queries' SQL runs for real in the engine's tests; here the database
// answers them with rows.
import { fireEvent, render, screen, waitFor } from '@testing-library/react-native';
import type { PhotoSettings, RunSummary, SyncOverview } from '@vhd/background-sync';
import type { ReactNode } from 'react';
import { SessionContext } from '../components/SessionProvider';
import { SyncScreen } from '../components/SyncScreen';
import { SyncStatusBadge } from '../components/SyncStatusBadge';
import { SyncStatusProvider } from '../components/SyncStatusProvider';
import type { BackgroundSystem } from '../services/background/BackgroundSystem';

jest.mock('expo-router', () => {
  const push = jest.fn();
  return {
    push,
    useRouter: () => ({ replace: jest.fn(), push }),
    Link: ({ children, testID }: { children: ReactNode; testID?: string }) => {
      const { Text } = require('react-native');
      return <Text testID={testID}>{children}</Text>;
    },
  };
});
jest.mock('expo-background-task', () => require('./fakeOs').backgroundTaskModule());
jest.mock('@vhd/background-sync', () => ({
  ...jest.requireActual('@vhd/background-sync'),
  retryRejection: jest.fn(async () => 'requeued'),
}));
// The dev trigger runs the real task body, which finds the signed-in user's system through these.
jest.mock('../services/auth/session', () => ({
  loadSession: jest.fn(async () => ({ userId: 'user_1', getToken: async () => 't' })),
  signOutSession: jest.fn(),
  authMode: () => 'dev',
}));
jest.mock('../services/background/BackgroundSystem', () => ({
  systemFor: jest.fn(),
  currentBackgroundSystem: jest.fn(() => null),
  closeBackgroundSystem: jest.fn(),
  getBackgroundSystem: jest.fn(),
}));

const T0 = Date.UTC(2026, 0, 15, 8, 0, 0);

function run(id: string, outcome: RunSummary['outcome'], extra: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    trigger: 'background',
    budgetMs: 180_000,
    startedAt: T0,
    finishedAt: T0 + 42_000,
    state: outcome === 'killed' ? 'killed' : 'finished',
    outcome,
    error: null,
    report: null,
    ...extra,
  };
}

const overview: SyncOverview = {
  pendingChanges: 7,
  photos: {
    byState: { QUEUED_UPLOAD: 3, UPLOADING: 2, SYNCED: 40, FAILED: 1 },
    failed: [
      {
        id: '0b1c2d3e-0000-4000-8000-000000000001',
        localPath: 'photos/0b1c2d3e.jpg',
        attempts: 5,
        lastError: 'media store refused the upload: HTTP 400 invalid image',
      },
    ],
  },
  lastRuns: [
    run('r-running', null, { state: 'running', finishedAt: null, trigger: 'manual' }),
    run('r-killed', 'killed', { finishedAt: null }),
    run('r-offline', 'offline', { trigger: 'resume', finishedAt: T0 + 300 }),
    run('r-done', 'completed'),
  ],
  activeRunId: 'r-running',
  rejections: {
    total: 2,
    latest: [
      {
        id: 'c1:17',
        opId: 17,
        txId: 9,
        op: 'PATCH',
        table: 'invoices',
        rowId: 'aaaaaaaa-0000-4000-8000-000000000002',
        data: '{"data":{"amount_cents":100}}',
        code: 'conflict',
        message: 'amount_cents changed on the server',
        createdAt: T0,
      },
    ],
  },
  lastSuccessfulSyncAt: T0 + 42_000,
  lastDownloadAt: null,
};

const FAILED_PHOTO = '0b1c2d3e-0000-4000-8000-000000000001';
const JOB = '5c4e0000-0000-4000-8000-000000000009';

/** Rows as the issue queries return them (see the engine's syncIssues test for the SQL). */
const issueRows = {
  photos: [
    {
      id: FAILED_PHOTO,
      schedule_id: JOB,
      customer: "Joe's Diner",
      kind: 'after',
      local_path: 'photos/0b1c2d3e.jpg',
      attempts: 5,
      last_error: 'media store refused the upload: HTTP 400 invalid image',
      taken_at: null,
    },
  ],
  changes: [
    {
      id: 'c1:17',
      op: 'PATCH',
      table_name: 'invoices',
      row_id: 'aaaaaaaa-0000-4000-8000-000000000002',
      code: 'conflict',
      message: 'amount_cents changed on the server',
      created_at: T0,
      data: '{"data":{"amount_cents":100}}',
      schedule_id: JOB,
      customer: "Joe's Diner",
    },
  ],
};

function fakeSystem(options: { online?: boolean; overview?: SyncOverview; lowPowerMode?: boolean } = {}) {
  let settings: PhotoSettings = { wifiOnly: false, deleteOriginalsAfterDays: null };
  return {
    db: {
      getAll: jest.fn(async (sql: string) =>
        sql.includes('photo_attachments') ? issueRows.photos : issueRows.changes,
      ),
      execute: jest.fn(async () => ({ rowsAffected: 1 })),
    },
    ports: {
      connectivity: { getState: async () => ({ online: options.online ?? true, metered: false }) },
      // The device port's capability, as the Expo port reads it (expo-battery, expo-background-task).
      device: {
        platform: 'ios',
        backgroundCapability: async () => ({
          status: 'available',
          backgroundAppRefresh: null,
          lowPowerMode: options.lowPowerMode ?? false,
          batteryOptimization: null,
          policy: 'on-background',
        }),
      },
    },
    sync: {
      getSyncOverview: jest.fn(async () => options.overview ?? overview),
      runBackgroundSync: jest.fn(async () => ({ outcome: 'completed' })),
    },
    queue: {
      localFile: (item: { local_path: string | null }) =>
        item.local_path ? `file:///docs/${item.local_path}` : null,
      retry: jest.fn(async () => true),
      retryAllFailed: jest.fn(async () => 1),
      getSettings: jest.fn(async () => settings),
      updateSettings: jest.fn(async (change: Partial<PhotoSettings>) => {
        settings = { ...settings, ...change };
        return settings;
      }),
    },
  };
}

async function renderSignedIn(system: ReturnType<typeof fakeSystem>, children: ReactNode) {
  const typed = system as unknown as BackgroundSystem;
  await render(
    <SessionContext.Provider
      value={{ status: 'signed_in', system: typed, error: null, refresh: async () => {} }}
    >
      <SyncStatusProvider system={typed}>{children}</SyncStatusProvider>
    </SessionContext.Provider>,
  );
}

async function renderScreen(system: ReturnType<typeof fakeSystem>) {
  await renderSignedIn(system, <SyncScreen />);
  await screen.findByTestId('pending-changes');
  await screen.findByTestId(`failed-${FAILED_PHOTO}`);
}

afterEach(() => jest.clearAllTimers());

test('renders the one status, the issues by job, photos by state and the runs', async () => {
  await renderScreen(fakeSystem());
  expect(screen.getByTestId('status-label')).toHaveTextContent('Syncing… · 12 waiting · 3 need you');
  expect(screen.getByTestId('pending-changes')).toHaveTextContent('Pending changes: 7');
  expect(screen.getByTestId('pending-photos')).toHaveTextContent('Photos waiting: 5');
  expect(screen.getByTestId('photos-QUEUED_UPLOAD')).toHaveTextContent('Queued: 3');
  expect(screen.getByTestId('photos-UPLOADING')).toHaveTextContent('Uploading: 2');
  expect(screen.getByTestId('photos-SYNCED')).toHaveTextContent('Uploaded: 40');
  expect(screen.getByTestId('photos-FAILED')).toHaveTextContent('Failed: 1');
  expect(screen.getByText('Needs you (3)')).toBeTruthy();
  // The failed photo on its job, with its thumbnail and reason.
  expect(screen.getByTestId(`failed-${FAILED_PHOTO}`)).toHaveTextContent(/Joe's Diner · after photo/);
  expect(screen.getByText(/HTTP 400 invalid image \(5 attempts\)/)).toBeTruthy();
  expect(screen.getByTestId(`thumb-${FAILED_PHOTO}`).props.source).toEqual({
    uri: 'file:///docs/photos/0b1c2d3e.jpg',
  });
  // The rejected change on its job, with what was refused and why.
  expect(screen.getByTestId('rejection-c1:17')).toHaveTextContent(
    /Joe's Diner · Invoice change refused \(conflict\)/,
  );
  expect(screen.getByText('amount_cents changed on the server')).toBeTruthy();
  expect(screen.getByText('Yours: amount_cents = 100')).toBeTruthy();
  expect(screen.getByTestId('run-r-running')).toHaveTextContent(/manual · running/);
  expect(screen.getByTestId('run-r-killed')).toHaveTextContent(/background · killed$/);
  expect(screen.getByTestId('run-r-offline')).toHaveTextContent(/resume · offline · 300 ms/);
  expect(screen.getByTestId('run-r-done')).toHaveTextContent(/completed · 42\.0 s/);
  expect(screen.getByTestId('last-success')).toHaveTextContent(
    `Last successful sync: ${new Date(T0 + 42_000).toLocaleString()}`,
  );
  expect(screen.getByText('Last download: never')).toBeTruthy();
  expect(screen.queryByTestId('offline')).toBeNull();
  // A run is active: the button says so.
  expect(screen.getByTestId('sync-now')).toHaveTextContent('Syncing…');
});

test('Retry hands the failed photo back to the queue; a rejected change can be retried or dismissed, and each links to its job', async () => {
  const system = fakeSystem();
  await renderScreen(system);
  await fireEvent.press(screen.getByTestId(`retry-${FAILED_PHOTO}`));
  await waitFor(() => expect(system.queue.retry).toHaveBeenCalledWith(FAILED_PHOTO));
  expect(system.queue.retryAllFailed).not.toHaveBeenCalled();

  const engine = jest.requireMock('@vhd/background-sync') as { retryRejection: jest.Mock };
  await fireEvent.press(screen.getByTestId('retry-change-c1:17'));
  await waitFor(() => expect(engine.retryRejection).toHaveBeenCalledWith(system.db, 'c1:17'));
  await fireEvent.press(screen.getByTestId('dismiss-c1:17'));
  await waitFor(() =>
    expect(system.db.execute).toHaveBeenCalledWith('DELETE FROM sync_rejections WHERE id = ?', ['c1:17']),
  );

  const router = jest.requireMock('expo-router') as { push: jest.Mock };
  await fireEvent.press(screen.getAllByText('Open job')[0]!);
  expect(router.push).toHaveBeenCalledWith({ pathname: '/schedules/[id]', params: { id: JOB } });
});

test('offline, Low Power Mode, and a long silence: the status says so and the warnings say how to fix it', async () => {
  const quiet: SyncOverview = {
    ...overview,
    activeRunId: null,
    rejections: { total: 0, latest: [] },
    photos: { byState: { QUEUED_UPLOAD: 2 }, failed: [] },
    lastSuccessfulSyncAt: Date.now() - 3 * 24 * 3_600_000,
  };
  await renderSignedIn(fakeSystem({ online: false, overview: quiet, lowPowerMode: true }), <SyncScreen />);
  expect(await screen.findByTestId('offline')).toBeTruthy();
  expect(screen.getByTestId('status-label')).toHaveTextContent('Offline · 9 waiting');
  expect(await screen.findByTestId('warning-low-power')).toHaveTextContent(
    /Low Power Mode pauses background sync.*Settings → Battery/,
  );
  expect(screen.getByTestId('warning-silent')).toHaveTextContent(
    /Nothing has synced for 72 hours.*Background App Refresh/,
  );
});

test('the header badge shows the same status everywhere', async () => {
  await renderSignedIn(fakeSystem(), <SyncStatusBadge />);
  await waitFor(() =>
    expect(screen.getByTestId('sync-status')).toHaveTextContent('Syncing… · 12 waiting · 3 need you'),
  );
});

test('Sync now runs the engine with the manual budget; settings go to the queue', async () => {
  const system = fakeSystem();
  await renderScreen(system);
  await fireEvent.press(screen.getByTestId('sync-now'));
  await waitFor(() =>
    expect(system.sync.runBackgroundSync).toHaveBeenCalledWith({ budgetMs: 120_000, trigger: 'manual' }),
  );

  await fireEvent(screen.getByTestId('wifi-only'), 'valueChange', true);
  await waitFor(() => expect(system.queue.updateSettings).toHaveBeenCalledWith({ wifiOnly: true }));

  await fireEvent.changeText(screen.getByTestId('keep-days'), '14');
  await fireEvent.press(screen.getByText('Save'));
  await waitFor(() =>
    expect(system.queue.updateSettings).toHaveBeenCalledWith({ deleteOriginalsAfterDays: 14 }),
  );
});

test('in dev builds the button runs the background task body in-process (the OS would skip it in the foreground)', async () => {
  const system = fakeSystem();
  const owner = jest.requireMock('../services/background/BackgroundSystem') as { systemFor: jest.Mock };
  owner.systemFor.mockResolvedValue(system);
  await renderScreen(system);
  await fireEvent.press(screen.getByTestId('trigger-worker'));
  await waitFor(() =>
    expect(system.sync.runBackgroundSync).toHaveBeenCalledWith(
      expect.objectContaining({ trigger: 'background', budgetMs: expect.any(Number) }),
    ),
  );
  const request = (system.sync.runBackgroundSync.mock.calls as unknown[][])[0]![0] as { budgetMs: number };
  // The platform budget (jest-expo runs as iOS: 3 min), counted from the task's start.
  expect(request.budgetMs).toBeGreaterThan(170_000);
  expect(request.budgetMs).toBeLessThanOrEqual(180_000);
});

test("the job screen's issues: only that job's, with Retry and no link to itself", async () => {
  const { SyncIssuesList } = require('../components/SyncIssuesList');
  await renderSignedIn(fakeSystem(), <SyncIssuesList scheduleId={JOB} />);
  expect(await screen.findByTestId(`failed-${FAILED_PHOTO}`)).toBeTruthy();
  expect(screen.getByTestId('rejection-c1:17')).toBeTruthy();
  expect(screen.getByTestId(`retry-${FAILED_PHOTO}`)).toBeTruthy();
  expect(screen.queryByText('Open job')).toBeNull();
});

test("another job's screen shows none of them", async () => {
  const { SyncIssuesList } = require('../components/SyncIssuesList');
  const system = fakeSystem();
  await renderSignedIn(system, <SyncIssuesList scheduleId="another-job" />);
  await waitFor(() => expect(system.db.getAll).toHaveBeenCalled());
  expect(screen.queryByTestId('sync-issues')).toBeNull();
});
