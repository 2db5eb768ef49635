// The Expo ports map the engine's calls onto the native APIs as intended. The native modules do
// not exist under jest: expo-file-system and expo-network are replaced by recorders.
import { expoConnectivity } from '../services/background/ports/connectivity';
import { expoFiles } from '../services/background/ports/files';
import { expoUploadFile } from '../services/background/ports/uploadFile';

jest.mock('expo-file-system', () => {
  const calls: unknown[][] = [];
  class File {
    uri: string;
    constructor(path: string) {
      this.uri = path;
    }
    upload(url: string, options: unknown) {
      calls.push(['upload', this.uri, url, options]);
      return Promise.resolve({ status: 200, body: '{"public_id":"x"}', headers: {} });
    }
    info() {
      return this.uri.endsWith('missing.jpg') ? { exists: false } : { exists: true, size: 1234 };
    }
    get exists() {
      return !this.uri.endsWith('missing.jpg');
    }
    move(to: File) {
      calls.push(['move', this.uri, to.uri]);
      return Promise.resolve();
    }
    delete() {
      calls.push(['delete', this.uri]);
    }
  }
  class Directory {
    uri: string;
    constructor(path: string) {
      this.uri = path;
    }
    create(options: unknown) {
      calls.push(['mkdir', this.uri, options]);
    }
  }
  return { File, Directory, UploadType: { BINARY_CONTENT: 0, MULTIPART: 1 }, Paths: {}, calls };
});
jest.mock('expo-network', () => ({
  NetworkStateType: { WIFI: 'WIFI', CELLULAR: 'CELLULAR' },
  getNetworkStateAsync: jest.fn(),
}));

const fs = jest.requireMock('expo-file-system') as { calls: unknown[][] };
const network = jest.requireMock('expo-network') as { getNetworkStateAsync: jest.Mock };

beforeEach(() => {
  fs.calls.length = 0;
});

test('uploadFile streams the file natively: multipart, signed fields, background session, abortable', async () => {
  const controller = new AbortController();
  const progress: number[][] = [];
  const result = await expoUploadFile(
    'file:///docs/photos/p1.jpg',
    'http://127.0.0.1:3000/dev-media/upload',
    { public_id: 'vhd/o/photos/p1', signature: 'abc' },
    controller.signal,
    (sent, total) => progress.push([sent, total]),
  );
  expect(result).toEqual({ status: 200, body: '{"public_id":"x"}' });
  const [kind, uri, url, options] = fs.calls[0] as [string, string, string, Record<string, unknown>];
  expect([kind, uri, url]).toEqual([
    'upload',
    'file:///docs/photos/p1.jpg',
    'http://127.0.0.1:3000/dev-media/upload',
  ]);
  expect(options).toMatchObject({
    httpMethod: 'POST',
    uploadType: 1,
    fieldName: 'file',
    mimeType: 'image/jpeg',
    parameters: { public_id: 'vhd/o/photos/p1', signature: 'abc' },
    sessionType: 'background',
    signal: controller.signal,
  });
  (options.onProgress as (p: { bytesSent: number; totalBytes: number }) => void)({
    bytesSent: 10,
    totalBytes: 20,
  });
  expect(progress).toEqual([[10, 20]]);
});

test('files: info, move into a created folder, remove only what exists', async () => {
  await expect(expoFiles.info('file:///docs/photos/a.jpg')).resolves.toEqual({ exists: true, size: 1234 });
  await expect(expoFiles.info('file:///docs/photos/missing.jpg')).resolves.toEqual({
    exists: false,
    size: 0,
  });
  await expoFiles.move('file:///cache/ImagePicker/x.jpg', 'file:///docs/photos/p1.jpg');
  await expoFiles.remove('file:///docs/photos/missing.jpg');
  await expoFiles.remove('file:///docs/photos/p1.jpg');
  expect(fs.calls).toEqual([
    ['mkdir', 'file:///docs/photos', { intermediates: true, idempotent: true }],
    ['move', 'file:///cache/ImagePicker/x.jpg', 'file:///docs/photos/p1.jpg'],
    ['delete', 'file:///docs/photos/p1.jpg'],
  ]);
});

test.each([
  [
    { type: 'WIFI', isConnected: true, isInternetReachable: true },
    { online: true, metered: false },
  ],
  [
    { type: 'CELLULAR', isConnected: true, isInternetReachable: true },
    { online: true, metered: true },
  ],
  [
    { type: 'WIFI', isConnected: true, isInternetReachable: undefined },
    { online: true, metered: false },
  ],
  [
    { type: 'WIFI', isConnected: true, isInternetReachable: false },
    { online: false, metered: false },
  ],
  [
    { type: 'NONE', isConnected: false, isInternetReachable: false },
    { online: false, metered: false },
  ],
])('connectivity %j → %j', async (state, expected) => {
  network.getNetworkStateAsync.mockResolvedValue(state);
  await expect(expoConnectivity.getState()).resolves.toEqual(expected);
});
