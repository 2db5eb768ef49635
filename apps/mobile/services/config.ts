// The app's configuration, from app.config.js `extra` (set from env at build time).
import type { BackgroundPolicy } from '@vhd/background-sync';
import Constants from 'expo-constants';

export type { BackgroundPolicy };

export interface AppConfig {
  /** Base URL of our server, no trailing slash. */
  apiUrl: string;
  /** A configured PowerSync endpoint, or null: then the server's token route decides. */
  powerSyncUrl: string | null;
  /** Clerk publishable key, or null: dev sign-in against the server's dev auth. */
  clerkPublishableKey: string | null;
  backgroundPolicy: BackgroundPolicy;
}

export function parseAppConfig(extra: Record<string, unknown> | undefined): AppConfig {
  const text = (key: string) => {
    const v = extra?.[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
  };
  const policy = text('backgroundPolicy');
  if (policy !== null && policy !== 'on-background' && policy !== 'always') {
    throw new Error(`backgroundPolicy must be 'on-background' or 'always', got '${policy}'`);
  }
  return {
    apiUrl: (text('apiUrl') ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    powerSyncUrl: text('powerSyncUrl'),
    clerkPublishableKey: text('clerkPublishableKey'),
    backgroundPolicy: policy ?? 'on-background',
  };
}

let cached: AppConfig | null = null;

export function appConfig(): AppConfig {
  cached ??= parseAppConfig(Constants.expoConfig?.extra);
  return cached;
}
