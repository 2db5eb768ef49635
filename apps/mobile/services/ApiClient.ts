// Calls to our server from the app: the engine's ApiClient (fresh Clerk token per request, one
// retry on 401, a timeout on every request) over the Expo ports. Background code uses expo/fetch;
// tests may pass another `fetch`.
import { ApiClient, type FetchPort } from '@vhd/background-sync';
import { createExpoPorts } from './background/ports';

export { ApiClient };

export function createApiClient(options: { fetch?: FetchPort } = {}): ApiClient {
  return new ApiClient(createExpoPorts(options));
}
