/** Where image pixels are served, by id. One definition for the server, main and the UI. */
export const IMAGE_PROTOCOL = 'shotbox-image';

export function browserImageUrl(imageId: number, variant: 'full' | 'thumb' = 'full'): string {
  return `/${variant === 'thumb' ? 'thumb' : 'image'}/${imageId}`;
}

export function electronImageUrl(imageId: number, variant: 'full' | 'thumb' = 'full'): string {
  return `${IMAGE_PROTOCOL}://${variant}/${imageId}`;
}
