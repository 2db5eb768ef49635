// The signed-in user's background system for the screens. The system itself is the engine's one
// per runtime (BackgroundSystem, shared with the background task); this only tracks it for React.
// A session that cannot load (Clerk offline with nothing cached yet, a keychain not yet readable)
// is retried when the network comes back and when the app becomes active.
import * as Network from 'expo-network';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { AppState } from 'react-native';
import { type BackgroundSystem, getBackgroundSystem } from '../services/background/BackgroundSystem';

export interface SessionState {
  status: 'loading' | 'signed_out' | 'signed_in' | 'error';
  system: BackgroundSystem | null;
  error: string | null;
  /** Load the session again (after sign-in or sign-out, or to retry after an error). */
  refresh(): Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<Omit<SessionState, 'refresh'>>({
    status: 'loading',
    system: null,
    error: null,
  });
  const refresh = useCallback(async () => {
    try {
      const system = await getBackgroundSystem();
      setState({ status: system ? 'signed_in' : 'signed_out', system, error: null });
    } catch (e) {
      setState({ status: 'error', system: null, error: e instanceof Error ? e.message : String(e) });
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const failed = state.status === 'error';
  useEffect(() => {
    if (!failed) return;
    const network = Network.addNetworkStateListener((s) => {
      if (s.isConnected && s.isInternetReachable !== false) void refresh();
    });
    const appState = AppState.addEventListener('change', (s) => {
      if (s === 'active') void refresh();
    });
    return () => {
      network.remove();
      appState.remove();
    };
  }, [failed, refresh]);

  return <SessionContext.Provider value={{ ...state, refresh }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession: no SessionProvider above this component');
  return session;
}

/** The signed-in user's system; only for screens under the signed-in layout. */
export function useSystem(): BackgroundSystem {
  const { system } = useSession();
  if (!system) throw new Error('useSystem: nobody is signed in');
  return system;
}
