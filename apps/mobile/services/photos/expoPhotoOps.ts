// PhotoOps on the device: expo-image-manipulator renders, expo-file-system measures.
import { File } from 'expo-file-system';
import { ImageManipulator, SaveFormat } from 'expo-image-manipulator';
import type { PhotoOps } from './fitPhoto';

export const expoPhotoOps: PhotoOps = {
  async render(uri, size, quality) {
    const context = ImageManipulator.manipulate(uri);
    if (size) context.resize(size);
    const image = await context.renderAsync();
    try {
      const saved = await image.saveAsync({ compress: quality, format: SaveFormat.JPEG });
      return { uri: saved.uri, width: saved.width, height: saved.height };
    } finally {
      image.release();
      context.release();
    }
  },
  async bytesOf(uri) {
    return new File(uri).size;
  },
};
