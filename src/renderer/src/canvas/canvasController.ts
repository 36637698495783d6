/**
 * The canvas's imperative core: view, gesture, hover and image state, native pointer/wheel/key
 * handling, and the three layers' draw functions.
 *
 * It lives outside React on purpose: a pointer move updates a field and asks one Konva layer for a
 * redraw on the next frame; nothing re-renders. React only hands in new props (setProps) and
 * mounts the layers.
 *
 * Layers, bottom to top:
 *  - image: the photo; redrawn only when the image or the view changes;
 *  - boxes: every box that is not selected and not under a gesture; redrawn when props change;
 *  - interactive: selection, handles, hover, the box being dragged or drawn, the crosshair;
 *    the only layer a drag redraws, so a drag costs the same with 5 boxes or 500.
 */
import type Konva from 'konva';
import type { Box } from '../../../shared/project/types';
import {
  drawBox,
  drawBoxes,
  drawCrosshair,
  drawDraft,
  drawHandles,
  drawImageLayer,
} from './drawScene';
import {
  clampPointToImage,
  fitView,
  imagePoint,
  imageToScreen,
  screenPoint,
  screenToImage,
  wheelZoomFactor,
  zoomAt,
  zoomLimits,
  type Handle,
  type ScreenPoint,
  type Size,
  type View,
} from './geometry';
import {
  finishGesture,
  liveGeometry,
  pannedView,
  updateGesture,
  type Gesture,
  type GestureOutcome,
} from './gesture';
import { HANDLE_CURSOR, hitBox, hitHandle } from './hitTest';
import { getCachedImage, loadImage, pinImage, type DecodedImage } from './imageCache';
import type { ShotboxCanvasTestHook } from './testHook';
import type { AnnotationCanvasProps, CanvasBox } from './types';

/** Zoom step of zoomRequest (toolbar buttons, +/- keys). */
const BUTTON_ZOOM = 1.25;
/**
 * How long a committed edit is still drawn where the user left it while the parent (which may
 * await the backend) has not sent updated boxes; stops a box flashing back to where it was.
 */
const OPTIMISTIC_MS = 1500;

type LayerName = 'image' | 'boxes' | 'overlay' | 'interactive';

interface Hover {
  id: number | null;
  handle: Handle | null;
}

interface Optimistic {
  /** Undefined for a created box (not yet in props). */
  id: number | undefined;
  box: Box;
  boxesWhenCommitted: readonly CanvasBox[];
  until: number;
}

const isEditable = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement &&
  (t.isContentEditable ||
    t.tagName === 'INPUT' ||
    t.tagName === 'TEXTAREA' ||
    t.tagName === 'SELECT');

export class CanvasController {
  private props: AnnotationCanvasProps;
  private viewport: Size = { width: 0, height: 0 };
  private view: View = { scale: 1, x: 0, y: 0 };
  /** The view follows container resizes until the user zooms or pans. */
  private fitted = true;
  private gesture: Gesture | null = null;
  private hover: Hover = { id: null, handle: null };
  private pointer: ScreenPoint | null = null;
  private containerRect: DOMRect | null = null;
  private spaceHeld = false;
  private optimistic: Optimistic | null = null;
  private lastZoomSeq: number | undefined;
  private lastFitRequest: number;

  private image: {
    url: string | null;
    decoded: DecodedImage | null;
    error: string | null;
    /** onImageShown is owed for this URL after its first draw. */
    owedShown: string | null;
    unpin: (() => void) | null;
  } = { url: null, decoded: null, error: null, owedShown: null, unpin: null };

  private readonly layers: Partial<Record<LayerName, Konva.Layer>> = {};
  private container: HTMLDivElement | null = null;
  private shownUrl: string | null = null;
  /** Redraw counters, for tests: a drag must redraw only the interactive layer. */
  readonly draws: Record<LayerName, number> = { image: 0, boxes: 0, overlay: 0, interactive: 0 };

  constructor(props: AnnotationCanvasProps) {
    this.props = props;
    this.lastZoomSeq = props.zoomRequest?.seq;
    this.lastFitRequest = props.fitRequest;
  }

  // -------------------------------------------------------------------------------------------
  // Inputs from React

  setProps(next: AnnotationCanvasProps): void {
    const prev = this.props;
    this.props = next;
    if (prev.boxes !== next.boxes || prev.selectedIds !== next.selectedIds) {
      if (this.optimistic && next.boxes !== this.optimistic.boxesWhenCommitted) {
        this.optimistic = null;
      }
      this.redraw('boxes', 'interactive');
    }
    if (prev.overlay !== next.overlay) this.redraw('overlay');
    if (prev.tool !== next.tool) {
      // Switching tools mid-gesture would leave a half-made box or move behind.
      if (this.gesture && this.gesture.kind !== 'pan') this.cancelGesture();
      this.refreshHover();
      this.redraw('interactive');
    }
    if (next.fitRequest !== this.lastFitRequest) {
      this.lastFitRequest = next.fitRequest;
      this.fit();
    }
    const zoom = next.zoomRequest;
    if (zoom && zoom.seq !== this.lastZoomSeq) {
      this.lastZoomSeq = zoom.seq;
      const factor = zoom.direction > 0 ? BUTTON_ZOOM : 1 / BUTTON_ZOOM;
      this.zoomBy(factor, screenPoint(this.viewport.width / 2, this.viewport.height / 2));
    }
  }

  setViewport(size: Size): void {
    if (size.width === this.viewport.width && size.height === this.viewport.height) return;
    this.viewport = size;
    this.containerRect = null;
    if (this.fitted) this.view = this.fittedView();
    this.redraw('image', 'boxes', 'overlay', 'interactive');
  }

  /** Show `url` (call on image change): the cached bitmap at once, else after it decodes. */
  showImage(url: string | null): void {
    if (this.gesture) this.cancelGesture();
    this.optimistic = null;
    this.image.unpin?.();
    this.image = { url, decoded: null, error: null, owedShown: url, unpin: null };
    this.hover = { id: null, handle: null };
    this.fit();
    if (url === null) return;
    this.image.unpin = pinImage(url);
    const cached = getCachedImage(url);
    if (cached) {
      this.image.decoded = cached;
      return;
    }
    loadImage(url).then(
      (decoded) => {
        if (this.image.url !== url) return;
        this.image.decoded = decoded;
        this.redraw('image');
      },
      (err: unknown) => {
        if (this.image.url !== url) return;
        this.image.error = err instanceof Error ? err.message : String(err);
        this.redraw('image');
      },
    );
  }

  /** Fit to the container (image change, F key, fitRequest). */
  fit(): void {
    this.fitted = true;
    this.setView(this.fittedView());
  }

  setLayers(layers: Partial<Record<LayerName, Konva.Layer>>): void {
    Object.assign(this.layers, layers);
    this.redraw('image', 'boxes', 'overlay', 'interactive');
  }

  // -------------------------------------------------------------------------------------------
  // View

  private fittedView(): View {
    return fitView(this.imageSize(), this.viewport);
  }

  private imageSize(): Size {
    return { width: this.props.imageWidth, height: this.props.imageHeight };
  }

  private setView(view: View): void {
    this.view = view;
    this.redraw('image', 'boxes', 'overlay', 'interactive');
  }

  private zoomBy(factor: number, anchor: ScreenPoint): void {
    if (!this.props.imageUrl) return;
    this.fitted = false;
    this.setView(zoomAt(this.view, factor, anchor, zoomLimits(this.imageSize(), this.viewport)));
    // A box being drawn or dragged keeps following the pointer through the zoom.
    if (this.gesture && this.pointer && this.gesture.kind !== 'pan') {
      this.gesture = updateGesture(this.gesture, this.pointer, this.view, this.imageSize());
    }
  }

  // -------------------------------------------------------------------------------------------
  // Drawing (Konva sceneFuncs; the context is already scaled by the device pixel ratio)

  private redraw(...names: LayerName[]): void {
    for (const n of names) this.layers[n]?.batchDraw();
  }

  readonly sceneImage = (con: Konva.Context, shape: Konva.Shape): void => {
    this.draws.image++;
    const ratio = shape.getLayer()?.getCanvas().getPixelRatio() ?? 1;
    const { decoded, error, url } = this.image;
    drawImageLayer(
      con._context,
      { image: decoded, error, hasImage: url !== null, imageSize: this.imageSize() },
      this.view,
      this.viewport,
      ratio,
    );
    if (decoded && url !== null && this.image.owedShown === url) {
      this.image.owedShown = null;
      this.shownUrl = url;
      // After the draw returns: the callback may re-render the parent.
      queueMicrotask(() => this.props.onImageShown?.(url));
    }
  };

  readonly sceneBoxes = (con: Konva.Context): void => {
    this.draws.boxes++;
    if (!this.props.imageUrl) return;
    drawBoxes(con._context, this.props.boxes, this.onTopLayer(), this.view, this.viewport);
  };

  readonly sceneOverlay = (con: Konva.Context): void => {
    this.draws.overlay++;
    const overlay = this.props.overlay;
    if (!overlay || !this.props.imageUrl) return;
    const pointer = this.pointer ? screenToImage(this.view, this.pointer) : null;
    overlay.draw(con._context, this.view, this.viewport, pointer);
  };

  readonly sceneInteractive = (con: Konva.Context): void => {
    this.draws.interactive++;
    if (!this.props.imageUrl) return;
    const ctx = con._context;
    const { boxes, selectedIds, tool } = this.props;
    const g = this.gesture;
    const single = selectedIds.size === 1;
    const optimistic = this.currentOptimistic();

    for (const b of boxes) {
      const selected = selectedIds.has(b.id);
      const live = liveGeometry(g, b.id);
      if (!selected && !live) {
        if (b.id === this.hover.id && !g) drawBox(ctx, b, this.view, this.viewport, 'hovered');
        continue;
      }
      const geometry = live ?? (optimistic?.id === b.id ? optimistic.box : b);
      drawBox(ctx, b, this.view, this.viewport, selected ? 'selected' : 'hovered', geometry);
      if (selected && single && b.review !== 'rejected') {
        drawHandles(ctx, geometry, b.color, this.view);
      }
    }
    if (g?.kind === 'draw' && g.current) drawDraft(ctx, g.current, this.view);
    else if (optimistic && optimistic.id === undefined) drawDraft(ctx, optimistic.box, this.view);
    if (tool === 'draw' && this.pointer && (!g || g.kind === 'draw')) {
      drawCrosshair(ctx, this.pointer.x, this.pointer.y, this.viewport);
    }
  };

  /** Boxes drawn on the interactive layer instead of the boxes layer. */
  private onTopLayer(): ReadonlySet<number> {
    const ids = new Set(this.props.selectedIds);
    const g = this.gesture;
    if (g && (g.kind === 'move' || g.kind === 'resize')) ids.add(g.id);
    const o = this.currentOptimistic();
    if (o?.id !== undefined) ids.add(o.id);
    return ids;
  }

  private currentOptimistic(): Optimistic | null {
    if (this.optimistic && performance.now() > this.optimistic.until) this.optimistic = null;
    return this.optimistic;
  }

  // -------------------------------------------------------------------------------------------
  // DOM events

  /** Listen on the container (pointer, wheel) and the window (keys); returns the detach. */
  attach(container: HTMLDivElement): () => void {
    this.container = container;
    const opts = { passive: false } as const;
    container.addEventListener('pointerdown', this.onPointerDown);
    container.addEventListener('pointermove', this.onPointerMove);
    container.addEventListener('pointerup', this.onPointerUp);
    container.addEventListener('pointercancel', this.onPointerCancel);
    container.addEventListener('lostpointercapture', this.onPointerCancel);
    container.addEventListener('pointerleave', this.onPointerLeave);
    container.addEventListener('wheel', this.onWheel, opts);
    // The middle button's autoscroll and the context menu would fight the pan.
    container.addEventListener('auxclick', this.preventDefault);
    window.addEventListener('keydown', this.onKeyDown, true);
    window.addEventListener('keyup', this.onKeyUp, true);
    window.addEventListener('blur', this.onBlur);
    return () => {
      container.removeEventListener('pointerdown', this.onPointerDown);
      container.removeEventListener('pointermove', this.onPointerMove);
      container.removeEventListener('pointerup', this.onPointerUp);
      container.removeEventListener('pointercancel', this.onPointerCancel);
      container.removeEventListener('lostpointercapture', this.onPointerCancel);
      container.removeEventListener('pointerleave', this.onPointerLeave);
      container.removeEventListener('wheel', this.onWheel);
      container.removeEventListener('auxclick', this.preventDefault);
      window.removeEventListener('keydown', this.onKeyDown, true);
      window.removeEventListener('keyup', this.onKeyUp, true);
      window.removeEventListener('blur', this.onBlur);
      this.gesture = null;
      this.container = null;
    };
  }

  /** Let the cache evict the current image again (image change, unmount). */
  releaseImage(): void {
    this.image.unpin?.();
    this.image.unpin = null;
  }

  private readonly preventDefault = (e: Event): void => e.preventDefault();

  private toScreen(e: MouseEvent): ScreenPoint {
    this.containerRect ??= this.container?.getBoundingClientRect() ?? null;
    const r = this.containerRect;
    return screenPoint(e.clientX - (r?.left ?? 0), e.clientY - (r?.top ?? 0));
  }

  private readonly onPointerDown = (e: PointerEvent): void => {
    if (this.gesture || !this.props.imageUrl || !this.container) return;
    // The layout may have shifted since the last gesture (panels opened, window moved).
    this.containerRect = this.container.getBoundingClientRect();
    const p = this.toScreen(e);
    this.pointer = p;
    const base = { pointerId: e.pointerId, startScreen: p, dragging: false };
    const pan = e.button === 1 || (e.button === 0 && this.spaceHeld);
    if (pan) {
      e.preventDefault();
      this.gesture = { ...base, kind: 'pan', startView: this.view };
    } else if (e.button !== 0) {
      return;
    } else if (this.props.tool === 'draw') {
      const startImage = clampPointToImage(screenToImage(this.view, p), this.imageSize());
      this.gesture = { ...base, kind: 'draw', startImage, current: null };
    } else {
      this.gesture = this.pressInSelectMode(e, p, base);
    }
    if (!this.gesture) return;
    this.container.setPointerCapture(e.pointerId);
    this.updateCursor();
    this.redraw('interactive');
  };

  private pressInSelectMode(
    e: PointerEvent,
    p: ScreenPoint,
    base: { pointerId: number; startScreen: ScreenPoint; dragging: boolean },
  ): Gesture | null {
    const { boxes, selectedIds, onSelect } = this.props;
    const startImage = screenToImage(this.view, p);
    // The selected box's handles win over everything under them.
    const handleHit = this.handleAt(p);
    if (handleHit) {
      return { ...base, kind: 'resize', ...handleHit, startImage, current: handleHit.original };
    }
    const box = hitBox(boxes, this.view, startImage);
    if (!box) return { ...base, kind: 'background' };
    if (e.shiftKey || e.ctrlKey || e.metaKey) {
      onSelect([box.id], true);
      return null;
    }
    const selected = selectedIds.has(box.id);
    if (!selected) onSelect([box.id], false);
    if (box.review === 'rejected') {
      if (selected && selectedIds.size > 1) onSelect([box.id], false);
      return null;
    }
    if (!selected) this.redraw('boxes');
    return {
      ...base,
      kind: 'move',
      id: box.id,
      original: box,
      startImage,
      current: box,
      selectOnClick: selected && selectedIds.size > 1,
    };
  }

  /** The resize handle under `p`, on the single selected, editable box. */
  private handleAt(p: ScreenPoint): { id: number; handle: Handle; original: Box } | null {
    const { boxes, selectedIds, tool } = this.props;
    if (tool !== 'select' || selectedIds.size !== 1) return null;
    const [id] = selectedIds;
    const box = boxes.find((b) => b.id === id);
    if (!box || box.review === 'rejected') return null;
    const handle = hitHandle(box, this.view, p);
    return handle ? { id: box.id, handle, original: box } : null;
  }

  private readonly onPointerMove = (e: PointerEvent): void => {
    const p = this.toScreen(e);
    this.pointer = p;
    const g = this.gesture;
    if (!g) {
      this.refreshHover();
      if (this.props.tool === 'draw') this.redraw('interactive');
      if (this.props.overlay?.followsPointer) this.redraw('overlay');
      return;
    }
    if (e.pointerId !== g.pointerId) return;
    if (g.kind === 'pan') {
      this.gesture = updateGesture(g, p, this.view, this.imageSize());
      this.fitted = false;
      this.setView(pannedView(g, p));
      return;
    }
    this.gesture = updateGesture(g, p, this.view, this.imageSize());
    this.redraw('interactive');
  };

  private readonly onPointerUp = (e: PointerEvent): void => {
    const g = this.gesture;
    if (!g || e.pointerId !== g.pointerId) return;
    const final = updateGesture(g, this.toScreen(e), this.view, this.imageSize());
    this.endGesture(e.pointerId);
    this.commit(finishGesture(final));
  };

  /** pointercancel, or capture lost without a pointerup (e.g. the window lost focus). */
  private readonly onPointerCancel = (e: PointerEvent): void => {
    if (this.gesture && e.pointerId === this.gesture.pointerId) this.cancelGesture();
  };

  private readonly onPointerLeave = (): void => {
    if (this.gesture) return;
    this.pointer = null;
    if (this.hover.id !== null) this.hover = { id: null, handle: null };
    this.redraw('interactive');
  };

  private readonly onWheel = (e: WheelEvent): void => {
    e.preventDefault();
    const lineMode = e.deltaMode === WheelEvent.DOM_DELTA_LINE;
    const p = this.toScreen(e);
    this.pointer = p;
    this.zoomBy(wheelZoomFactor(lineMode ? e.deltaY * 33 : e.deltaY), p);
  };

  private readonly onKeyDown = (e: KeyboardEvent): void => {
    const g = this.gesture;
    if (
      e.key === 'Escape' &&
      g &&
      (g.kind === 'move' || g.kind === 'resize' || g.kind === 'draw')
    ) {
      // Esc during an edit is the canvas's; the workbench must not also clear the selection.
      e.preventDefault();
      e.stopImmediatePropagation();
      this.cancelGesture();
      return;
    }
    if (e.key === ' ' && !isEditable(e.target)) {
      // Only while the pointer is over the canvas: elsewhere Space belongs to the focused control.
      if (this.pointer === null) return;
      e.preventDefault();
      if (!this.spaceHeld) {
        this.spaceHeld = true;
        this.updateCursor();
      }
    }
  };

  private readonly onKeyUp = (e: KeyboardEvent): void => {
    if (e.key === ' ' && this.spaceHeld) {
      this.spaceHeld = false;
      this.updateCursor();
    }
  };

  private readonly onBlur = (): void => {
    this.spaceHeld = false;
    if (this.gesture) this.cancelGesture();
  };

  // -------------------------------------------------------------------------------------------
  // Gesture end

  private endGesture(pointerId: number): void {
    const g = this.gesture;
    this.gesture = null;
    if (this.container?.hasPointerCapture(pointerId)) {
      this.container.releasePointerCapture(pointerId);
    }
    // A moved box returns to the boxes layer (unless it stays selected).
    if (g && (g.kind === 'move' || g.kind === 'resize')) this.redraw('boxes');
    this.refreshHover();
    this.redraw('interactive');
  }

  /** Esc, blur, tool or image change: roll back (nothing was committed) and tell the parent. */
  private cancelGesture(): void {
    const g = this.gesture;
    if (!g) return;
    this.endGesture(g.pointerId);
    if (g.kind !== 'pan') this.props.onCancel?.();
  }

  private commit(outcome: GestureOutcome): void {
    const { onChange, onCreate, onSelect, boxes } = this.props;
    switch (outcome.kind) {
      case 'change':
      case 'create':
        this.optimistic = {
          id: outcome.kind === 'change' ? outcome.id : undefined,
          box: outcome.box,
          boxesWhenCommitted: boxes,
          until: performance.now() + OPTIMISTIC_MS,
        };
        // Drop the optimistic copy when it expires even if nothing else redraws.
        window.setTimeout(() => this.redraw('boxes', 'interactive'), OPTIMISTIC_MS + 20);
        if (outcome.kind === 'change') onChange(outcome.id, outcome.box);
        else onCreate(outcome.box);
        this.redraw('boxes', 'interactive');
        return;
      case 'select':
        onSelect(outcome.ids, false);
        return;
      case 'none':
        return;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Hover and cursor

  private refreshHover(): void {
    const p = this.pointer;
    let next: Hover = { id: null, handle: null };
    if (p && this.props.imageUrl && this.props.tool === 'select' && !this.gesture) {
      const h = this.handleAt(p);
      if (h) next = { id: h.id, handle: h.handle };
      else
        next = {
          id: hitBox(this.props.boxes, this.view, screenToImage(this.view, p))?.id ?? null,
          handle: null,
        };
    }
    if (next.id !== this.hover.id || next.handle !== this.hover.handle) {
      this.hover = next;
      this.redraw('interactive');
    }
    this.updateCursor();
  }

  private updateCursor(): void {
    if (!this.container) return;
    const g = this.gesture;
    let cursor = 'default';
    if (g?.kind === 'pan') cursor = 'grabbing';
    else if (this.spaceHeld) cursor = 'grab';
    else if (g?.kind === 'resize') cursor = HANDLE_CURSOR[g.handle];
    else if (g?.kind === 'move') cursor = 'move';
    else if (this.props.tool === 'draw') cursor = 'crosshair';
    else if (this.hover.handle) cursor = HANDLE_CURSOR[this.hover.handle];
    else if (this.hover.id !== null) {
      const box = this.props.boxes.find((b) => b.id === this.hover.id);
      cursor = box && box.review !== 'rejected' ? 'move' : 'pointer';
    }
    if (this.container.style.cursor !== cursor) this.container.style.cursor = cursor;
  }

  // -------------------------------------------------------------------------------------------
  // Test hook (read-only)

  testHook(): ShotboxCanvasTestHook {
    // Getters have their own `this`; they reach the controller through this arrow.
    const c = (): CanvasController => this;
    const clientOrigin = (): { left: number; top: number } =>
      c().container?.getBoundingClientRect() ?? { left: 0, top: 0 };
    return {
      get scale() {
        return c().view.scale;
      },
      get offset() {
        return { x: c().view.x, y: c().view.y };
      },
      get imageUrl() {
        return c().props.imageUrl;
      },
      get shownUrl() {
        return c().shownUrl;
      },
      get draws() {
        return { ...c().draws };
      },
      get gestureActive() {
        return c().gesture !== null;
      },
      imageToClient(x: number, y: number) {
        const s = imageToScreen(c().view, imagePoint(x, y));
        const o = clientOrigin();
        return { x: s.x + o.left, y: s.y + o.top };
      },
      clientToImage(x: number, y: number) {
        const o = clientOrigin();
        const p = screenToImage(c().view, screenPoint(x - o.left, y - o.top));
        return { x: p.x, y: p.y };
      },
    };
  }
}
