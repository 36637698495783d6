/** The annotation canvas's public surface for the workbench. */
export { AnnotationCanvas } from './AnnotationCanvas';
export { prefetchImage, setImageCacheLimits, clearImageCache } from './imageCache';
export { maybeMountCanvasHarness } from './dev/maybeMountCanvasHarness';
export type { AnnotationCanvasProps, CanvasBox, CanvasTool } from './types';
export type { ShotboxCanvasTestHook } from './testHook';
