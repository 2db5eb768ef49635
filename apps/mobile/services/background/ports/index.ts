// The Expo ports of the engine, one small file each.
import type { FetchPort, Ports } from '@vhd/background-sync';
import { appConfig } from '../../config';
import { sessionTokenProvider } from './auth';
import { wallClock } from './clock';
import { expoConnectivity } from './connectivity';
import { expoDevice } from './device';
import { documentsDir } from './documentsDir';
import { expoFetchPort } from './fetch';
import { expoFiles } from './files';
import { syncLogger } from './logger';
import { expoUploadFile } from './uploadFile';

export function createExpoPorts(options: { fetch?: FetchPort } = {}): Ports {
  return {
    fetch: options.fetch ?? expoFetchPort,
    uploadFile: expoUploadFile,
    files: expoFiles,
    clock: wallClock,
    connectivity: expoConnectivity,
    auth: sessionTokenProvider,
    logger: syncLogger,
    documentsDir: documentsDir(),
    apiUrl: appConfig().apiUrl,
    device: expoDevice,
  };
}
