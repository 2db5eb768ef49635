// The signed-in user's background system for the screens. The system itself is the module
// singleton of BackgroundSystem (shared with the background task); this only tracks it for React.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { type BackgroundSystem, getBackgroundSystem } from '../services/background/BackgroundSystem';

export interface SessionState {
  status: 'loading' | 'signed_out' | 'signed_in' | 'error';
  system: BackgroundSystem | null;
  error: string | null;
  /** Load the session again (after sign-in or sign-out). */
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
      setState({ status: 'error', system: null, error: String(e) });
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
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
