import type { Box, ReviewState } from '../../../shared/project/types';
import type { ImagePoint, Size, View } from './geometry';

/** One box as the canvas draws it (the workbench derives these from annotations and classes). */
export interface CanvasBox extends Box {
  id: number;
  /** Class colour, CSS. */
  color: string;
  label: string;
  /** Model score, shown for predictions. */
  score: number | null;
  /** Pending model output is drawn differently (dashed, lighter) from reviewed labels. */
  kind: 'prediction' | 'label';
  review: ReviewState;
}

export type CanvasTool = 'select' | 'draw';

/**
 * Something drawn over the boxes and under the interactive layer (the SSD lens). `draw` gets the
 * layer's 2D context in CSS pixels, the view (image → screen) and the pointer in image pixels;
 * it is called when the view, the overlay object or (with `followsPointer`) the pointer changes.
 */
export interface CanvasOverlay {
  followsPointer: boolean;
  draw(ctx: CanvasRenderingContext2D, view: View, viewport: Size, pointer: ImagePoint | null): void;
}

/**
 * The canvas draws state; it does not own it. Everything persistent arrives through props and
 * leaves through the on* callbacks, each called once per finished gesture (one undo step).
 * Only transient gesture state (a drag in progress, the view) lives inside.
 */
export interface AnnotationCanvasProps {
  /** Full-size image URL (api.imageUrl(id)); null while no image is selected. */
  imageUrl: string | null;
  /** Image size in pixels as displayed (boxes are in these pixels). */
  imageWidth: number;
  imageHeight: number;
  boxes: readonly CanvasBox[];
  selectedIds: ReadonlySet<number>;
  tool: CanvasTool;
  /** Incremented by the parent to request "fit to window" (F key, image change). */
  fitRequest: number;
  /** Incremented to zoom in (+1) / out (-1) around the centre: { seq, direction }. */
  zoomRequest?: { seq: number; direction: 1 | -1 };
  /** Click on a box (additive with Shift/Ctrl); empty array when clicking the background. */
  onSelect(ids: number[], additive: boolean): void;
  /** A new box was drawn (tool 'draw'); in image pixels, clipped to the image. */
  onCreate(box: Box): void;
  /** A box was moved or resized; called once on release, in image pixels, clipped. */
  onChange(id: number, box: Box): void;
  /** Esc during a draw or drag: the gesture was rolled back. */
  onCancel?(): void;
  /** The image finished loading and is shown (for timing and tests). */
  onImageShown?(imageUrl: string): void;
  /** Drawn over the boxes (a new object means redraw). */
  overlay?: CanvasOverlay | null;
}
