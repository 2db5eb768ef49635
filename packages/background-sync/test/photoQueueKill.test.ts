// A real kill at the named point "after the media store saved, before SYNCED", in a child
// process; then a fresh process finishes the photo without storing it a second time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '@vhd/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodePorts } from '../node/nodePorts';
import { createSyncEngine } from '../src/syncEngine';
import { openTestDatabase } from '../testing/testDatabase';
import { TEST_SETTINGS } from '../testing/testEngine';
import { capturePhoto, type PhotoChildConfig, runPhotoChild, silentLogger } from './photoFixtures';

const ORG = 'org_photo_kill';
const USER = 'user_photo_kill';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

function store() {
  return server.app.devMediaStore!;
}

describe('kill after the store saved, before SYNCED', () => {
  it.each([
    ['the webhook told the server', false],
    ['the webhook was lost', true],
  ])('a fresh process ends SYNCED without a second stored upload (%s)', async (_name, webhookLost) => {
    const dir = mkdtempSync(join(tmpdir(), 'vhd-photo-kill-'));
    try {
      const shot = capturePhoto(dir, 50_000);
      const publicId = `vhd/${ORG}/photos/${shot.photoId}`;
      const config: PhotoChildConfig = {
        dbDir: dir,
        dbFile: 'phone.db',
        apiUrl: server.url,
        token: await server.mintToken({ userId: USER, orgId: ORG, expiresInSec: 600 }),
        documentsDir: join(dir, 'documents'),
        settings: TEST_SETTINGS,
        enqueue: [{ photoId: shot.photoId, path: shot.path }],
        uploadCrudFirst: true,
        killAtStoreSaved: true,
      };

      const killed = await runPhotoChild(config);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      expect(killed.report).toBeUndefined();
      expect(store().stats().stored[publicId]).toBe(1);
      await store().notificationsIdle();
      if (webhookLost) {
        await server.db.query(
          'UPDATE photos SET cloudinary_url = NULL, cloudinary_public_id = NULL, cloudinary_version = NULL WHERE id = $1',
          [shot.photoId],
        );
      }
      const between = await openTestDatabase({ dir, filename: 'phone.db' });
      expect(
        await between.db.get('SELECT state FROM photo_attachments WHERE id = ?', [shot.photoId]),
      ).toEqual({
        state: 'UPLOADING',
      });
      await between.close();

      const fresh = await runPhotoChild({
        ...config,
        enqueue: [],
        uploadCrudFirst: false,
        killAtStoreSaved: false,
      });
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(fresh.report?.result.counts).toMatchObject({
        due: 1,
        alreadyUploaded: 1,
        uploaded: 0,
        failed: 0,
      });
      expect(store().stats().stored[publicId]).toBe(1);
      expect(store().stats().received[publicId]).toBe(webhookLost ? 2 : 1);

      // The confirmation (when the store answered `existing`) reaches the server with the next CRUD upload.
      const after = await openTestDatabase({ dir, filename: 'phone.db' });
      const ports = createNodePorts({
        apiUrl: server.url,
        documentsDir: config.documentsDir,
        getToken: () => server.mintToken({ userId: USER, orgId: ORG }),
        logger: silentLogger,
      });
      const engine = createSyncEngine({ db: after.syncDb, ports, settings: TEST_SETTINGS });
      expect(await engine.queue.get(shot.photoId)).toMatchObject({ state: 'SYNCED' });
      expect(await engine.uploader.upload()).toMatchObject({
        status: 'done',
        rejected: 0,
      });
      await engine.close();
      await after.close();
      const { rows } = await server.db.query<{ cloudinary_url: string | null; cloudinary_public_id: string }>(
        'SELECT cloudinary_url, cloudinary_public_id FROM photos WHERE id = $1',
        [shot.photoId],
      );
      expect(rows[0]).toMatchObject({ cloudinary_public_id: publicId, cloudinary_url: expect.any(String) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
