import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountLimits, FREE_PLAN_LIMITS } from '../src/cloudinary/mediaLimits';
import { startTestServer, type TestServer } from '../src/testing';
import { signPhotos } from './photoFixtures';
import { OpLog, uploadOk, uuid } from './support/http';

const silentLog = { info() {}, error() {} } as never;

describe('the media limits a phone is given with its signed params', () => {
  let server: TestServer;
  let configured: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    configured = await startTestServer({ config: { mediaMaxBytes: 1_000_000, mediaMaxPixels: 2_000_000 } });
  });
  afterAll(async () => {
    await server?.close();
    await configured?.close();
  });

  async function limitsFrom(s: TestServer) {
    const token = await s.mintToken({ orgId: 'org_limits' });
    const log = new OpLog();
    const photoId = uuid();
    await uploadOk(s, token, log.clientId, [log.put('photos', photoId, { kind: 'before' })]);
    const { status, body } = await signPhotos(s, token, [photoId]);
    expect(status).toBe(200);
    return (body as unknown as { limits: unknown }).limits;
  }

  it("the dev media store defaults to Cloudinary's Free plan: 10 MiB and 25 MP", async () => {
    expect(FREE_PLAN_LIMITS).toEqual({ maxBytes: 10_485_760, maxPixels: 25_000_000 });
    expect(await limitsFrom(server)).toEqual(FREE_PLAN_LIMITS);
  });

  it('MEDIA_MAX_BYTES and MEDIA_MAX_PIXELS set them', async () => {
    expect(await limitsFrom(configured)).toEqual({ maxBytes: 1_000_000, maxPixels: 2_000_000 });
  });
});

describe("a Cloudinary account's limits (Admin API usage report)", () => {
  const usage = {
    plan: 'Free',
    media_limits: { image_max_size_bytes: 10_485_760, image_max_px: 25_000_000 },
  };

  it('are read once and kept', async () => {
    let reads = 0;
    const limits = new AccountLimits({
      configured: {},
      readUsage: async () => {
        reads++;
        return usage;
      },
      log: silentLog,
    });
    const all = await Promise.all([limits.get(), limits.get(), limits.get()]);
    expect(all).toEqual([FREE_PLAN_LIMITS, FREE_PLAN_LIMITS, FREE_PLAN_LIMITS]);
    expect(await limits.get()).toEqual(FREE_PLAN_LIMITS);
    expect(reads).toBe(1);
  });

  it('a configured value wins; both configured means no read at all', async () => {
    let reads = 0;
    const readUsage = async () => {
      reads++;
      return usage;
    };
    const partly = new AccountLimits({ configured: { maxBytes: 5_000_000 }, readUsage, log: silentLog });
    expect(await partly.get()).toEqual({ maxBytes: 5_000_000, maxPixels: 25_000_000 });
    const fully = new AccountLimits({ configured: { maxBytes: 1, maxPixels: 2 }, readUsage, log: silentLog });
    expect(await fully.get()).toEqual({ maxBytes: 1, maxPixels: 2 });
    expect(reads).toBe(1);
  });

  it('unknown (null) while the account cannot be read, tried again a minute later', async () => {
    let now = 0;
    let answer: unknown = new Error('HTTP 420 rate limited');
    const limits = new AccountLimits({
      configured: {},
      readUsage: async () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
      log: silentLog,
      now: () => now,
    });
    expect(await limits.get()).toBeNull();
    answer = usage;
    now = 30_000;
    expect(await limits.get()).toBeNull();
    now = 61_000;
    expect(await limits.get()).toEqual(FREE_PLAN_LIMITS);
    answer = { plan: 'Free' };
    const incomplete = new AccountLimits({ configured: {}, readUsage: async () => answer, log: silentLog });
    expect(await incomplete.get()).toBeNull();
  });
});
