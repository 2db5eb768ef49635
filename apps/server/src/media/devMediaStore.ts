import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import multipart from '@fastify/multipart';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CloudinaryAccount } from '../cloudinary/account';
import type { MediaLimits } from '../cloudinary/mediaLimits';
import type { MediaService, StoredResource } from '../cloudinary/mediaService';
import { responseSignature } from '../cloudinary/signature';
import { faultPoint } from '../faultPoints';
import { AssetFiles, type StoredAsset } from './assetFiles';
import { ChunkedUploads, parseContentRange } from './chunkedUploads';
import { formatAllowed, probeImage } from './imageProbe';
import { Notifier } from './notifier';
import { UploadRefused, verifySignedUpload } from './signedUpload';
import { FORM_LIMITS, formLimitRefusal, readUploadForm } from './uploadForm';

/** URL prefix of everything the dev media store serves. */
export const DEV_MEDIA_PREFIX = '/dev-media';

export interface DevMediaStoreOptions {
  /** Folder holding the assets (DATA_DIR/media). */
  root: string;
  /** The dev "Cloudinary account" whose secret signs uploads, responses and notifications. */
  account: CloudinaryAccount;
  /** This server's public base URL (no trailing slash), resolved when needed. */
  publicUrl: () => string;
  /** Enforced as Cloudinary does: a 400 with its text, after reading the whole file. */
  limits: MediaLimits;
  /** Largest file part read (to say how large it was) before a 413; default max(100 MiB, 2 × maxBytes). */
  readLimitBytes?: number;
  log: FastifyBaseLogger;
  notificationRetryDelaysMs?: readonly number[];
}

/** Counters for tests (see the server README, "Dev media store"). */
export interface DevMediaStoreStats {
  /** Upload requests per public id named in the form, valid or not. */
  received: Record<string, number>;
  /** Times bytes were written per public id (1 with overwrite=false, however often it is uploaded). */
  stored: Record<string, number>;
  /** Upload requests being handled now, and the most seen at once since the last reset. */
  inFlight: number;
  maxInFlight: number;
  notifications: { delivered: number; failed: number };
}

/** Fault injection for tests. */
export interface DevMediaStoreFaults {
  /** Hold every upload this long after reading it, before answering. */
  responseDelayMs?: number;
  /** Answer the next `count` uploads with `status` (after reading them; nothing is stored). */
  failNext?: { count: number; status: number; message?: string };
  /**
   * Answer an upload of an existing public id (overwrite=false) without `signature`, `bytes`,
   * `width` and `height`: whether real Cloudinary's answer then carries them is not documented.
   */
  partialExistingAnswers?: boolean;
}

/** Files are read to the end (to say how large they were) up to this; larger ones are a 413. */
const MIN_READ_LIMIT_BYTES = 100 * 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  heic: 'image/heic',
};

/**
 * TEST DOUBLE of Cloudinary's upload API and delivery: used when no CLOUDINARY_URL is configured.
 * It accepts the same signed multipart upload (same signature rules, 1 h staleness, only signed
 * params, `overwrite=false` answering the existing asset with `existing: true`), streams files to
 * disk with a size limit, answers Cloudinary's response fields with a verifiable response
 * signature, serves the files by GET and posts the signed notification to `notification_url`.
 */
export class DevMediaStore implements MediaService {
  readonly kind = 'dev-media-store';
  readonly account: CloudinaryAccount;
  readonly files: AssetFiles;
  private readonly notifier: Notifier;
  private readonly chunks: ChunkedUploads;
  private readonly locks = new Map<string, Promise<unknown>>();
  private counters = DevMediaStore.emptyCounters();
  private faults: DevMediaStoreFaults = {};

  constructor(private readonly options: DevMediaStoreOptions) {
    this.account = options.account;
    this.files = new AssetFiles(options.root);
    this.chunks = new ChunkedUploads(options.root);
    this.notifier = new Notifier({
      apiSecret: options.account.apiSecret,
      algorithm: options.account.signatureAlgorithm,
      log: options.log,
      retryDelaysMs: options.notificationRetryDelaysMs ?? [500, 2000, 8000],
      requestTimeoutMs: 10_000,
    });
  }

  uploadUrl(): string {
    return `${this.options.publicUrl()}${DEV_MEDIA_PREFIX}/v1_1/${this.account.cloudName}/image/upload`;
  }

  deliveryUrl(publicId: string, version: number, format?: string): string {
    const base = `${this.options.publicUrl()}${DEV_MEDIA_PREFIX}/${this.account.cloudName}/image/upload`;
    return `${base}/v${version}/${publicId}${format ? `.${format}` : ''}`;
  }

  async limits(): Promise<MediaLimits> {
    return this.options.limits;
  }

  async resource(publicId: string): Promise<StoredResource | null> {
    const asset = await this.files.read(publicId);
    return asset
      ? {
          publicId: asset.publicId,
          version: asset.version,
          bytes: asset.bytes,
          width: asset.width,
          height: asset.height,
        }
      : null;
  }

  /** Largest file part read before the store gives up with a 413. */
  private get readLimitBytes(): number {
    return this.options.readLimitBytes ?? Math.max(MIN_READ_LIMIT_BYTES, 2 * this.options.limits.maxBytes);
  }

  async destroy(publicId: string): Promise<void> {
    await this.serialised(publicId, () => this.files.remove(publicId));
  }

  stats(): DevMediaStoreStats {
    const { received, stored, inFlight, maxInFlight } = this.counters;
    return {
      received: { ...received },
      stored: { ...stored },
      inFlight,
      maxInFlight,
      notifications: { delivered: this.notifier.delivered, failed: this.notifier.failed },
    };
  }

  resetStats(): void {
    this.counters = { ...DevMediaStore.emptyCounters(), inFlight: this.counters.inFlight };
    this.notifier.delivered = 0;
    this.notifier.failed = 0;
  }

  setFaults(faults: DevMediaStoreFaults): void {
    this.faults = { ...faults };
  }

  /** Resolves when every notification sent so far was delivered or given up on. */
  notificationsIdle(): Promise<void> {
    return this.notifier.idle();
  }

  /** The store's routes; register at the app's root (the URLs above carry their own prefix). */
  readonly routes = async (scope: FastifyInstance): Promise<void> => {
    await scope.register(multipart, {
      limits: { fileSize: this.readLimitBytes, ...FORM_LIMITS },
    });
    // Before the server closes connections: a notification still in flight then ends on an idle
    // keep-alive connection the close can drop, instead of one that holds the close open.
    scope.addHook('preClose', () => this.notifier.close());
    scope.post(`${DEV_MEDIA_PREFIX}/v1_1/:cloud/image/upload`, (request, reply) =>
      this.upload(request, reply),
    );
    scope.get(`${DEV_MEDIA_PREFIX}/:cloud/image/upload/*`, (request, reply) => this.serve(request, reply));
    scope.get(`${DEV_MEDIA_PREFIX}/_test/stats`, async () => this.stats());
    scope.post(`${DEV_MEDIA_PREFIX}/_test/reset`, async () => {
      this.resetStats();
      this.setFaults({});
      return { ok: true };
    });
  };

  private async upload(request: FastifyRequest, reply: FastifyReply) {
    this.counters.inFlight += 1;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
    const incomingPath = await this.files.newIncomingPath();
    let answer: { status: number; body: unknown };
    try {
      answer = { status: 200, body: await this.receive(request, incomingPath) };
    } catch (error) {
      // The body may be unread past the failure (a write error mid-stream): a keep-alive connection
      // would then never get to its next request, so this answer closes it.
      reply.header('connection', 'close');
      const refusal = asRefusal(error, this.readLimitBytes);
      if (!refusal) throw error;
      answer = {
        status: refusal.statusCode,
        body: { error: { code: refusal.code, message: refusal.message } },
      };
    } finally {
      this.counters.inFlight -= 1;
      // Before answering, so no partial file outlives a refused upload.
      await rm(incomingPath, { force: true });
    }
    return reply.code(answer.status).send(answer.body);
  }

  private async receive(request: FastifyRequest, incomingPath: string) {
    if ((request.params as { cloud: string }).cloud !== this.account.cloudName) {
      throw new UploadRefused(404, 'unknown_cloud', 'Unknown cloud name');
    }
    const { limits } = this.options;
    // The signature is checked when the file part begins: a forged upload writes nothing.
    const form = await readUploadForm(request, incomingPath, limits.maxBytes, (fields) =>
      this.checkSigned(fields),
    );
    const upload = form.checked ?? this.checkSigned(form.fields);
    let file = form.file;
    if (this.faults.responseDelayMs) await sleep(this.faults.responseDelayMs);
    const failNext = this.faults.failNext;
    if (failNext && failNext.count > 0) {
      failNext.count -= 1;
      throw new UploadRefused(
        failNext.status,
        'injected_fault',
        failNext.message ?? 'Fault injected by a test',
      );
    }
    if (!file || file.bytes === 0)
      throw new UploadRefused(400, 'missing_file', 'Missing required parameter - file');
    const uploadId = request.headers['x-unique-upload-id'];
    if (typeof uploadId === 'string') {
      const range = parseContentRange(String(request.headers['content-range'] ?? ''));
      const chunk = await this.serialised(`chunk:${uploadId}`, () =>
        this.chunks.append(uploadId, upload.publicId, range, file!.path, file!.bytes, limits.maxBytes),
      );
      // Not the last chunk: what the store has so far (real Cloudinary's answer here is not documented).
      if (!chunk.done) return { done: false, upload_id: uploadId, bytes: chunk.received };
      file = { path: file.path, bytes: chunk.bytes, md5: chunk.md5 };
    }
    if (file.bytes > limits.maxBytes) {
      // Cloudinary's own words for a file over the plan's limit.
      throw new UploadRefused(
        400,
        'file_too_large',
        `File size too large. Got ${file.bytes}. Maximum is ${limits.maxBytes}.`,
      );
    }
    const image = await probeImage(file.path);
    if (!image) throw new UploadRefused(400, 'invalid_image', 'Invalid image file');
    if (image.width * image.height > limits.maxPixels) {
      throw new UploadRefused(
        400,
        'too_many_pixels',
        `Image too large: ${image.width}x${image.height} is ${image.width * image.height} pixels. Maximum is ${limits.maxPixels}.`,
      );
    }
    if (upload.allowedFormats && !formatAllowed(image.format, upload.allowedFormats)) {
      throw new UploadRefused(400, 'format_not_allowed', `Image format ${image.format} not allowed`);
    }
    const { asset, existing } = await this.serialised(upload.publicId, async () => {
      const current = await this.files.read(upload.publicId);
      if (current && !upload.overwrite) return { asset: current, existing: true };
      const nowS = Math.floor(Date.now() / 1000);
      const stored: StoredAsset = {
        publicId: upload.publicId,
        version: current ? Math.max(nowS, current.version + 1) : nowS,
        ...image,
        bytes: file.bytes,
        etag: file.md5,
        createdAt: new Date().toISOString(),
      };
      await this.files.commit(file.path, stored);
      increment(this.counters.stored, upload.publicId);
      faultPoint('media.stored', upload.publicId);
      return { asset: stored, existing: false };
    });
    const body = this.describe(asset, existing);
    if (upload.notificationUrl)
      this.notifier.send(upload.notificationUrl, { notification_type: 'upload', ...body });
    if (existing && this.faults.partialExistingAnswers) {
      const { signature: _s, bytes: _b, width: _w, height: _h, ...partial } = body;
      return partial;
    }
    return body;
  }

  /** Counts the request and checks its signed fields (throws the refusal). */
  private checkSigned(fields: Record<string, string>) {
    if (fields.public_id) increment(this.counters.received, fields.public_id);
    return verifySignedUpload(fields, this.account, Date.now());
  }

  /** Cloudinary's upload response fields for an asset. */
  private describe(asset: StoredAsset, existing: boolean) {
    const url = this.deliveryUrl(asset.publicId, asset.version, asset.format);
    return {
      asset_id: asset.etag,
      public_id: asset.publicId,
      version: asset.version,
      signature: responseSignature(
        asset.publicId,
        asset.version,
        this.account.apiSecret,
        this.account.signatureAlgorithm,
      ),
      width: asset.width,
      height: asset.height,
      format: asset.format,
      resource_type: 'image',
      type: 'upload',
      created_at: asset.createdAt,
      bytes: asset.bytes,
      etag: asset.etag,
      url,
      secure_url: url,
      existing,
    };
  }

  private async serve(request: FastifyRequest, reply: FastifyReply) {
    const path = (request.params as { '*': string })['*'];
    const match = /^v(\d+)\/([A-Za-z0-9_\-/]+?)(?:\.([a-z0-9]+))?$/i.exec(path);
    const asset = match ? await this.files.read(match[2]!) : null;
    const extension = match?.[3]?.toLowerCase();
    if (
      !match ||
      !asset ||
      String(asset.version) !== match[1] ||
      (extension && !formatAllowed(asset.format, extension))
    ) {
      return reply.code(404).send({ error: { code: 'not_found', message: 'Resource not found' } });
    }
    return reply
      .header('content-type', CONTENT_TYPES[asset.format] ?? 'application/octet-stream')
      .header('content-length', asset.bytes)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', `"${asset.etag}"`)
      .send(createReadStream(this.files.dataPath(asset.publicId)));
  }

  /** Runs `work` after any earlier work on the same public id (one process owns the store). */
  private serialised<T>(publicId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(publicId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const tail = next.catch(() => undefined);
    this.locks.set(publicId, tail);
    void tail.then(() => {
      if (this.locks.get(publicId) === tail) this.locks.delete(publicId);
    });
    return next;
  }

  private static emptyCounters() {
    return {
      received: {} as Record<string, number>,
      stored: {} as Record<string, number>,
      inFlight: 0,
      maxInFlight: 0,
    };
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Our refusals, and the multipart plugin's client errors (size and part limits, bad content type). */
function asRefusal(error: unknown, readLimitBytes: number): UploadRefused | null {
  if (error instanceof UploadRefused) return error;
  const { statusCode, code, message } = error as { statusCode?: number; code?: string; message?: string };
  const limit = formLimitRefusal(code, readLimitBytes);
  if (limit) return limit;
  if (statusCode === 413)
    return new UploadRefused(413, 'too_large', `Upload too large: ${message ?? 'a limit'}`);
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return new UploadRefused(statusCode, code ?? 'invalid', message ?? 'Invalid upload');
  }
  return null;
}
