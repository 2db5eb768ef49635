// The Sync screen over an overview fixture with every state, wired to a system whose queue and
// engine record what the screen asks of them.
import { fireEvent, render, screen, waitFor } from '@testing-library/react-native';
import type { PhotoSettings, RunSummary, SyncOverview } from '@vhd/background-sync';
import { SessionContext } from '../components/SessionProvider';
import { SyncScreen } from '../components/SyncScreen';
import type { BackgroundSystem } from '../services/background/BackgroundSystem';

jest.mock('expo-router', () => ({ useRouter: () => ({ replace: jest.fn(), push: jest.fn() }) }));
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

function fakeSystem() {
  let settings: PhotoSettings = { wifiOnly: false, deleteOriginalsAfterDays: null };
  return {
    sync: {
      getSyncOverview: jest.fn(async () => overview),
      runBackgroundSync: jest.fn(async () => ({ outcome: 'completed' })),
    },
    queue: {
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

async function renderScreen(system: ReturnType<typeof fakeSystem>) {
  await render(
    <SessionContext.Provider
      value={{
        status: 'signed_in',
        system: system as unknown as BackgroundSystem,
        error: null,
        refresh: async () => {},
      }}
    >
      <SyncScreen />
    </SessionContext.Provider>,
  );
  await screen.findByTestId('pending-changes');
}

afterEach(() => jest.clearAllTimers());

test('renders every part of the overview', async () => {
  await renderScreen(fakeSystem());
  expect(screen.getByTestId('pending-changes')).toHaveTextContent('Pending changes: 7');
  expect(screen.getByTestId('photos-QUEUED_UPLOAD')).toHaveTextContent('Queued: 3');
  expect(screen.getByTestId('photos-UPLOADING')).toHaveTextContent('Uploading: 2');
  expect(screen.getByTestId('photos-SYNCED')).toHaveTextContent('Uploaded: 40');
  expect(screen.getByTestId('photos-FAILED')).toHaveTextContent('Failed: 1');
  expect(screen.getByText(/HTTP 400 invalid image \(5 attempts\)/)).toBeTruthy();
  expect(screen.getByTestId('run-r-running')).toHaveTextContent(/manual · running/);
  expect(screen.getByTestId('run-r-killed')).toHaveTextContent(/background · killed$/);
  expect(screen.getByTestId('run-r-offline')).toHaveTextContent(/resume · offline · 300 ms/);
  expect(screen.getByTestId('run-r-done')).toHaveTextContent(/completed · 42\.0 s/);
  expect(screen.getByText('Rejected changes (2)')).toBeTruthy();
  expect(screen.getByTestId('rejection-c1:17')).toHaveTextContent(/PATCH invoices aaaaaaaa: conflict/);
  expect(screen.getByText('amount_cents changed on the server')).toBeTruthy();
  expect(screen.getByTestId('last-success')).toHaveTextContent(
    `Last successful sync: ${new Date(T0 + 42_000).toLocaleString()}`,
  );
  expect(screen.getByText('Last download: never')).toBeTruthy();
  // A run is active: the button says so.
  expect(screen.getByTestId('sync-now')).toHaveTextContent('Syncing…');
});

test('Retry hands the failed photo back to the queue', async () => {
  const system = fakeSystem();
  await renderScreen(system);
  await fireEvent.press(screen.getByTestId('retry-0b1c2d3e-0000-4000-8000-000000000001'));
  await waitFor(() =>
    expect(system.queue.retry).toHaveBeenCalledWith('0b1c2d3e-0000-4000-8000-000000000001'),
  );
  expect(system.queue.retryAllFailed).not.toHaveBeenCalled();
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
