/** The lens overlay for the open image, rebuilt only when what it draws changes. */
import { useMemo } from 'react';
import type { Box } from '../../../shared/project/types';
import type { CanvasOverlay } from '../canvas/types';
import { useEditor } from '../state/store';
import { detectionOf } from './ExplainSection';
import { createLensOverlay } from './lensOverlay';
import { useLens } from './lensStore';
import { placePriors } from './priorGeometry';

export function useLensOverlay(): CanvasOverlay | null {
  const lens = useLens();
  const current = useEditor((s) => s.current);
  const selected = useEditor((s) => s.selectedBoxIds);
  const width = current?.image.width ?? 0;
  const height = current?.image.height ?? 0;
  const placed = useMemo(
    () =>
      lens.priors && lens.source && width > 0
        ? placePriors(lens.priors, lens.source.resize, width, height)
        : null,
    [lens.priors, lens.source, width, height],
  );
  const annotations = current?.annotations;
  const boxes = useMemo(() => {
    const m = new Map<number, Box>();
    for (const a of annotations ?? []) m.set(a.id, a);
    return m;
  }, [annotations]);
  const selectedId = selected.size === 1 ? [...selected][0]! : null;
  const match = lens.matchImageId === current?.id ? lens.match : null;
  const explain = lens.explainImageId === current?.id ? lens.explain : null;
  const selectedBox = annotations?.find((a) => a.id === selectedId);
  const detection =
    selectedBox?.origin === 'model' ? (detectionOf(explain, selectedBox) ?? null) : null;
  return useMemo(
    () =>
      lens.on && placed
        ? createLensOverlay({
            placed,
            imageWidth: width,
            imageHeight: height,
            view: lens.view,
            layerOn: lens.layerOn,
            ratioOff: lens.ratioOff,
            match,
            threshold: lens.threshold,
            boxes,
            selectedId,
            explain,
            showNegatives: lens.showNegatives,
            detection,
          })
        : null,
    [
      lens.on,
      placed,
      width,
      height,
      lens.view,
      lens.layerOn,
      lens.ratioOff,
      match,
      lens.threshold,
      boxes,
      selectedId,
      explain,
      lens.showNegatives,
      detection,
    ],
  );
}
