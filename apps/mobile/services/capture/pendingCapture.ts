// A photo must survive Android killing the app while the camera is open: the camera is another
// activity, the app's activity (or the whole process) may be destroyed meanwhile, and the result
// then arrives only through ImagePicker.getPendingResultAsync() on the next start. The capture's
// purpose (which job, before or after, which photo id) is written down before the camera opens, so
// the recovered photo lands where the technician meant it — once.
import * as ImagePicker from 'expo-image-picker';
import * as SecureStore from 'expo-secure-store';
import type { BackgroundSystem } from '../background/BackgroundSystem';
import { newId } from '../database/records';
import { expoPhotoOps } from '../photos/expoPhotoOps';
import { FREE_PLAN_LIMITS, fitPhoto } from '../photos/fitPhoto';

export type CaptureKind = 'before' | 'after';

export interface CaptureIntent {
  photoId: string;
  scheduleId: string;
  kind: CaptureKind;
}

const STORE_OPTIONS = { keychainAccessible: SecureStore.AFTER_FIRST_UNLOCK };
const storeKey = (userId: string) => `vhd.capture.${userId.replace(/[^A-Za-z0-9._-]/g, '_')}`;

async function readIntent(userId: string): Promise<CaptureIntent | null> {
  const text = await SecureStore.getItemAsync(storeKey(userId), STORE_OPTIONS);
  return text ? (JSON.parse(text) as CaptureIntent) : null;
}

function forgetIntent(userId: string): Promise<void> {
  return SecureStore.deleteItemAsync(storeKey(userId), STORE_OPTIONS);
}

type Picked = ImagePicker.ImagePickerResult | ImagePicker.ImagePickerErrorResult | null;

async function enqueuePicked(
  system: BackgroundSystem,
  intent: CaptureIntent,
  result: Picked,
): Promise<boolean> {
  const asset = result && 'assets' in result && !result.canceled ? result.assets?.[0] : undefined;
  if (!asset) return false;
  try {
    // Within the media store's limits (the server's last word, else the Free plan's), never more.
    const limits = (await system.queue.mediaLimits()) ?? FREE_PLAN_LIMITS;
    const photo = await fitPhoto(asset, limits, expoPhotoOps);
    await system.queue.enqueue({
      photoId: intent.photoId,
      sourcePath: photo.uri,
      // A fitted photo is re-encoded as JPEG.
      mediaType: photo === asset ? (asset.mimeType ?? 'image/jpeg') : 'image/jpeg',
      scheduleId: intent.scheduleId,
      kind: intent.kind,
      width: photo.width,
      height: photo.height,
    });
  } catch (e) {
    // Queued by the other path already (the capture finished, its intent not yet forgotten).
    if (!(e instanceof Error && /already queued/.test(e.message))) throw e;
  }
  return true;
}

/**
 * Takes a photo for a job and queues it. `launch` opens the camera (or the library); the intent is
 * on disk while it is open.
 */
export async function capturePhoto(
  system: BackgroundSystem,
  target: { scheduleId: string; kind: CaptureKind },
  launch: () => Promise<ImagePicker.ImagePickerResult>,
): Promise<boolean> {
  const intent: CaptureIntent = { photoId: await newId(system.db), ...target };
  await SecureStore.setItemAsync(storeKey(system.userId), JSON.stringify(intent), STORE_OPTIONS);
  try {
    return await enqueuePicked(system, intent, await launch());
  } finally {
    await forgetIntent(system.userId);
  }
}

let recovery: Promise<boolean> | null = null;

/**
 * On start: queues the photo the camera delivered to a destroyed activity, if any. The pending
 * result can be read once per process, so this runs once; returns whether a photo was recovered.
 */
export function recoverPendingCapture(system: BackgroundSystem): Promise<boolean> {
  recovery ??= (async () => {
    const intent = await readIntent(system.userId);
    const result = await ImagePicker.getPendingResultAsync();
    if (!intent) {
      if (result && 'assets' in result && !result.canceled) {
        system.ports.logger.warn('camera: a pending photo with no capture intent; not queued');
      }
      return false;
    }
    if (result && 'code' in result) {
      system.ports.logger.warn('camera: the pending capture failed', {
        code: result.code,
        message: result.message,
      });
    }
    const queued = await enqueuePicked(system, intent, result);
    await forgetIntent(system.userId);
    if (queued)
      system.ports.logger.info('camera: recovered a photo taken while the app was gone', {
        photoId: intent.photoId,
      });
    return queued;
  })();
  return recovery;
}
