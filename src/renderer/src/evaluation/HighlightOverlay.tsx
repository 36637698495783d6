/**
 * The box an evaluation record points at, over its image: a canvas overlay (drawn in image
 * space through the view) and a chip saying what it is. Not an annotation: nothing is stored.
 */
import Close from '@mui/icons-material/Close';
import { Chip } from '@mui/material';
import { useMemo } from 'react';
import type { CanvasOverlay } from '../canvas/types';
import { setState, useEditor } from '../state/store';

export function useHighlightOverlay(): CanvasOverlay | null {
  const highlight = useEditor((s) => s.highlight);
  const imageId = useEditor((s) => s.current?.id);
  return useMemo(() => {
    if (!highlight || highlight.imageId !== imageId) return null;
    const { box } = highlight;
    return {
      followsPointer: false,
      draw(ctx, view) {
        const x = view.x + box.x1 * view.scale;
        const y = view.y + box.y1 * view.scale;
        const w = (box.x2 - box.x1) * view.scale;
        const h = (box.y2 - box.y1) * view.scale;
        ctx.save();
        ctx.lineWidth = 6;
        ctx.strokeStyle = 'rgba(0, 0, 0, 0.55)';
        ctx.strokeRect(x, y, w, h);
        ctx.lineWidth = 3;
        ctx.setLineDash([8, 5]);
        ctx.strokeStyle = '#ff2bd6';
        ctx.strokeRect(x, y, w, h);
        ctx.restore();
      },
    };
  }, [highlight, imageId]);
}

export function HighlightChip(): React.JSX.Element | null {
  const highlight = useEditor((s) => s.highlight);
  const imageId = useEditor((s) => s.current?.id);
  if (!highlight || highlight.imageId !== imageId) return null;
  const { box } = highlight;
  return (
    <Chip
      data-testid="eval-highlight"
      data-box={[box.x1, box.y1, box.x2, box.y2].map((v) => v.toFixed(1)).join(',')}
      label={`Evaluation: ${highlight.label}`}
      onDelete={() => setState({ highlight: null })}
      deleteIcon={<Close />}
      size="small"
      sx={{
        position: 'absolute',
        top: 8,
        left: '50%',
        transform: 'translateX(-50%)',
        bgcolor: '#ff2bd6',
        color: '#fff',
        zIndex: 2,
      }}
    />
  );
}
