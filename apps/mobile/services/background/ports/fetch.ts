// expo/fetch: native streaming fetch that honours AbortSignal (the PowerSync SDK uses it for the
// sync stream too). Background code always goes through it.
import type { FetchPort } from '@vhd/background-sync';
import { fetch as expoFetch } from 'expo/fetch';

export const expoFetchPort: FetchPort = (url, init) => expoFetch(url, init);
