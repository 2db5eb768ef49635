import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { ConfigError, checkConfig, describeMode, loadConfig } from '../src/config';

describe('configuration', () => {
  it('has embedded defaults: PGlite under ./.data, dev auth, dev media store, 127.0.0.1:3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: './.data',
      publicUrl: 'http://127.0.0.1:3000',
      nodeEnv: 'development',
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(describeMode(config)).toBe(
      'PGlite (./.data/pglite), dev auth, dev media store, no PowerSync endpoint',
    );
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/vhd',
      DATABASE_URL: 'postgres://u@db/vhd',
      CLERK_JWT_KEY: '-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----',
      CLOUDINARY_URL: 'cloudinary://key:secret@cloud',
      POWERSYNC_URL: 'https://ps.example.com',
      POWERSYNC_JWT_KEY: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
      PUBLIC_URL: 'https://api.example.com/',
      NODE_ENV: 'production',
      RATE_LIMIT_MAX: '100',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'https://api.example.com',
      rateLimitMax: 100,
    });
    expect(config.clerkJwtKey).toBe('-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----');
    expect(describeMode(config)).toBe('Postgres, Clerk auth, Cloudinary, PowerSync https://ps.example.com');
  });

  it('names the variable at fault', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a whole number/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ CLERK_JWT_KEY: 'sk_test_123' })).toThrow(/CLERK_JWT_KEY/);
    expect(() => loadConfig({ CLOUDINARY_URL: 'https://cloudinary.com' })).toThrow(/CLOUDINARY_URL/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('refuses a production start with Cloudinary whose PUBLIC_URL Cloudinary cannot reach', () => {
    const production = {
      NODE_ENV: 'production',
      CLERK_JWT_KEY: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----',
      CLOUDINARY_URL: 'cloudinary://k:s@c',
    };
    expect(() => loadConfig(production)).toThrow(
      /needs PUBLIC_URL .*https.*PUBLIC_URL http:\/\/127\.0\.0\.1:3000 is not https/,
    );
    expect(() => loadConfig({ ...production, PUBLIC_URL: 'http://api.example.com' })).toThrow(/is not https/);
    for (const loopback of [
      'https://localhost',
      'https://127.0.0.2:8443',
      'https://[::1]',
      'https://0.0.0.0',
    ]) {
      expect(() => loadConfig({ ...production, PUBLIC_URL: loopback })).toThrow(/is a loopback address/);
    }
    expect(loadConfig({ ...production, PUBLIC_URL: 'https://api.example.com/' }).publicUrl).toBe(
      'https://api.example.com',
    );
    // Outside production a loopback URL is allowed (the server warns at start).
    expect(loadConfig({ CLOUDINARY_URL: 'cloudinary://k:s@c' }).publicUrl).toBe('http://127.0.0.1:3000');
  });

  it('refuses dev modes with NODE_ENV=production, naming them', async () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/dev auth .*and the dev media store/);
    expect(() => loadConfig({ NODE_ENV: 'production', CLOUDINARY_URL: 'cloudinary://k:s@c' })).toThrow(
      /^NODE_ENV=production refuses to start with dev auth \(set CLERK_JWT_KEY/,
    );
    // The app checks again, whatever built the configuration.
    const config = { ...loadConfig({}), nodeEnv: 'production' };
    await expect(buildApp({ config })).rejects.toThrow(ConfigError);
    expect(() => checkConfig(config)).toThrow(/production/);
  });
});
