// Files under the documents directory, through the object API of expo-file-system (SDK 57).
import type { FilesPort } from '@vhd/background-sync';
import { Directory, File } from 'expo-file-system';

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

export const expoFiles: FilesPort = {
  async info(path) {
    const info = new File(path).info();
    return { exists: info.exists, size: info.size ?? 0 };
  },
  async move(from, to) {
    new Directory(parentOf(to)).create({ intermediates: true, idempotent: true });
    await new File(from).move(new File(to));
  },
  async remove(path) {
    const file = new File(path);
    if (file.exists) file.delete();
  },
};
