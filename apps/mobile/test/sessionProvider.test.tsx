// A session that cannot load (Clerk offline with nothing cached yet, a keychain not yet readable)
// is not the end: the app retries when the network comes back and when it becomes active, and the
// technician can retry or sign out by hand.
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react-native';
import { AppState, type AppStateStatus, Text } from 'react-native';
import { SessionErrorView } from '../components/SessionErrorView';
import { SessionProvider, useSession } from '../components/SessionProvider';

jest.mock('../services/background/BackgroundSystem', () => ({ getBackgroundSystem: jest.fn() }));
jest.mock('../services/background/signOut', () => ({ signOut: jest.fn(async () => undefined) }));
jest.mock('expo-network', () => {
  const listeners: Set<unknown> = new Set();
  return {
    listeners,
    addNetworkStateListener: jest.fn((l: unknown) => {
      listeners.add(l);
      return { remove: () => listeners.delete(l) };
    }),
  };
});

const owner = jest.requireMock('../services/background/BackgroundSystem') as {
  getBackgroundSystem: jest.Mock;
};
const network = jest.requireMock('expo-network') as {
  listeners: Set<(s: { isConnected: boolean; isInternetReachable: boolean }) => void>;
};
const signOutMock = (jest.requireMock('../services/background/signOut') as { signOut: jest.Mock }).signOut;
const fakeSystem = { userId: 'user_1' };

function Status() {
  const session = useSession();
  if (session.status === 'error') return <SessionErrorView />;
  return <Text testID="status">{session.status}</Text>;
}

async function renderProvider() {
  await render(
    <SessionProvider>
      <Status />
    </SessionProvider>,
  );
}

let appStateListeners: Array<(s: AppStateStatus) => void> = [];

beforeEach(() => {
  owner.getBackgroundSystem.mockReset();
  signOutMock.mockClear();
  appStateListeners = [];
  jest.spyOn(AppState, 'addEventListener').mockImplementation((_type, l) => {
    appStateListeners.push(l as (s: AppStateStatus) => void);
    return { remove: () => {} } as ReturnType<typeof AppState.addEventListener>;
  });
});

test('offline at start: an error with Retry and Sign out, then a retry when the network comes back', async () => {
  owner.getBackgroundSystem
    .mockRejectedValueOnce(new Error('Network request failed'))
    .mockResolvedValue(fakeSystem);
  await renderProvider();
  expect(await screen.findByText(/Network request failed/)).toBeTruthy();
  expect(screen.getByTestId('session-retry')).toBeTruthy();
  expect(screen.getByTestId('session-sign-out')).toBeTruthy();

  await act(async () => {
    for (const l of network.listeners) l({ isConnected: true, isInternetReachable: true });
  });
  await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed_in'));
});

test('a retry when the app becomes active, and by hand', async () => {
  owner.getBackgroundSystem
    .mockRejectedValueOnce(new Error('keychain locked'))
    .mockRejectedValueOnce(new Error('still locked'))
    .mockResolvedValue(fakeSystem);
  await renderProvider();
  expect(await screen.findByText(/keychain locked/)).toBeTruthy();
  await act(async () => {
    for (const l of appStateListeners) l('active');
  });
  expect(await screen.findByText(/still locked/)).toBeTruthy();
  await fireEvent.press(screen.getByTestId('session-retry'));
  await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed_in'));
});

test('Sign out from the error screen signs out and loads the session again', async () => {
  owner.getBackgroundSystem
    .mockRejectedValueOnce(new Error('Network request failed'))
    .mockResolvedValue(null);
  await renderProvider();
  await fireEvent.press(await screen.findByTestId('session-sign-out'));
  await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed_out'));
  expect(signOutMock).toHaveBeenCalled();
});
