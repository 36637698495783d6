import type Konva from 'konva';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Layer, Shape, Stage } from 'react-konva';
import { CanvasController } from './canvasController';
import { CANVAS_BACKGROUND } from './drawScene';
import { installTestHook } from './testHook';
import type { AnnotationCanvasProps } from './types';
import { useElementSize } from './useElementSize';

/**
 * The labelling canvas: an image with its boxes; zoom (wheel, zoomRequest), pan (Space+drag,
 * middle button), select, move, resize and draw boxes. It fills its parent, which needs a definite
 * size (e.g. a flex child with `flex: 1; min-height: 0`).
 *
 * React renders the three Konva layers once; all drawing and pointer handling happens in
 * CanvasController, so a drag never re-renders React (see canvasController.ts).
 */
export function AnnotationCanvas(props: AnnotationCanvasProps): React.JSX.Element {
  const containerRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<Konva.Stage>(null);
  const [controller] = useState(() => new CanvasController(props));
  const size = useElementSize(containerRef);
  const { imageUrl, imageWidth, imageHeight } = props;

  // Layers in order: image, boxes, overlay (the lens), interactive (see canvasController.ts).
  useLayoutEffect(() => {
    const [image, boxes, overlay, interactive] = stageRef.current?.getLayers() ?? [];
    controller.setLayers({ image, boxes, overlay, interactive });
  }, [controller]);

  // Declaration order matters: props first, so the image and size effects see the new ones.
  useLayoutEffect(() => controller.setProps(props));

  useLayoutEffect(() => {
    controller.showImage(imageUrl);
    return () => controller.releaseImage();
  }, [controller, imageUrl, imageWidth, imageHeight]);

  useLayoutEffect(() => controller.setViewport(size), [controller, size]);

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const detach = controller.attach(container);
    const uninstall = installTestHook(controller.testHook());
    return () => {
      uninstall();
      detach();
    };
  }, [controller]);

  return (
    <div
      ref={containerRef}
      data-testid="annotation-canvas"
      style={{
        position: 'relative',
        width: '100%',
        height: '100%',
        overflow: 'hidden',
        background: CANVAS_BACKGROUND,
        // The canvas owns touch and pen gestures; no browser panning or text selection.
        touchAction: 'none',
        userSelect: 'none',
      }}
    >
      <Stage ref={stageRef} width={size.width} height={size.height} listening={false}>
        <Layer listening={false}>
          <Shape sceneFunc={controller.sceneImage} listening={false} perfectDrawEnabled={false} />
        </Layer>
        <Layer listening={false}>
          <Shape sceneFunc={controller.sceneBoxes} listening={false} perfectDrawEnabled={false} />
        </Layer>
        <Layer listening={false}>
          <Shape sceneFunc={controller.sceneOverlay} listening={false} perfectDrawEnabled={false} />
        </Layer>
        <Layer listening={false}>
          <Shape
            sceneFunc={controller.sceneInteractive}
            listening={false}
            perfectDrawEnabled={false}
          />
        </Layer>
      </Stage>
    </div>
  );
}

export default AnnotationCanvas;
