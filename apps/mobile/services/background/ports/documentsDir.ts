import { Paths } from 'expo-file-system';

/** The app's documents directory as a file:// URI without the trailing slash (photos live under it). */
export function documentsDir(): string {
  return Paths.document.uri.replace(/\/+$/, '');
}
