// A fresh session token per request, from whichever auth the app is built with (Clerk loaded
// headless, or dev auth). Works on a cold background launch: no React provider is needed.
import type { TokenProvider } from '@vhd/background-sync';
import { loadSession } from '../../auth/session';

export const sessionTokenProvider: TokenProvider = {
  async getToken(options) {
    const session = await loadSession();
    return session ? session.getToken(options) : null;
  },
};
