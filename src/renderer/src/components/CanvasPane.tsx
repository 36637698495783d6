import BrokenImage from '@mui/icons-material/BrokenImage';
import Collections from '@mui/icons-material/Collections';
import CropFree from '@mui/icons-material/CropFree';
import FitScreen from '@mui/icons-material/FitScreen';
import NearMe from '@mui/icons-material/NearMe';
import Redo from '@mui/icons-material/Redo';
import Undo from '@mui/icons-material/Undo';
import ZoomIn from '@mui/icons-material/ZoomIn';
import ZoomOut from '@mui/icons-material/ZoomOut';
import {
  Alert,
  Box,
  Button,
  Divider,
  IconButton,
  LinearProgress,
  MenuItem,
  Select,
  Stack,
  ToggleButton,
  ToggleButtonGroup,
  Tooltip,
  Typography,
} from '@mui/material';
import { useCallback } from 'react';
import type { Box as ImageBox } from '../../../shared/project/types';
import { api } from '../api';
import { redo, undo } from '../actions/history';
import { reloadCurrent, retryImage } from '../actions/navigation';
import { changeBox, createBox } from '../actions/review';
import { setFilters } from '../actions/imageList';
import {
  fit,
  gestureCancelled,
  reportZoom,
  selectBoxes,
  setDrawClass,
  setTool,
  zoom,
} from '../actions/view';
import { AnnotationCanvas } from '../canvas/AnnotationCanvas';
import { ErrorAlert } from './ErrorAlert';
import { useLensOverlay } from '../lens/useLensOverlay';
import { HighlightChip, useHighlightOverlay } from '../evaluation/HighlightOverlay';
import type { CanvasTool } from '../canvas/types';
import { selectCanvasBoxes, selectOrderedClasses } from '../state/selectors';
import { DEFAULT_FILTERS, isDefaultFilter, useEditor } from '../state/store';

function blurActive(): void {
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
}

/** The drawing class (and, with boxes selected, the keys 1–9 relabel them). */
export function ClassPicker(): React.JSX.Element {
  const classes = useEditor(selectOrderedClasses);
  const drawClassId = useEditor((s) => s.drawClassId);
  return (
    <Tooltip
      title="Class of new boxes (keys 1–9; with boxes selected they relabel them)"
      placement="bottom"
    >
      <Select
        data-testid="class-picker"
        value={classes.some((c) => c.id === drawClassId) ? (drawClassId ?? '') : ''}
        displayEmpty
        onChange={(e) => {
          setDrawClass(Number(e.target.value));
          blurActive();
        }}
        sx={{
          minWidth: 120,
          maxWidth: 200,
          fontSize: 13,
          '& .MuiSelect-select': { py: 0.5, display: 'flex', alignItems: 'center' },
        }}
        aria-label="Drawing class"
      >
        {classes.length === 0 && (
          <MenuItem value="" disabled>
            No classes yet
          </MenuItem>
        )}
        {classes.map((c, i) => (
          <MenuItem key={c.id} value={c.id} data-testid={`class-option-${c.id}`}>
            <Box
              component="span"
              sx={{
                width: 10,
                height: 10,
                borderRadius: '2px',
                bgcolor: c.color,
                mr: 1,
                flexShrink: 0,
              }}
            />
            <Box component="span" sx={{ flex: 1 }}>
              {c.name}
            </Box>
            {i < 9 && (
              <Typography
                component="span"
                variant="caption"
                sx={{ color: 'text.secondary', ml: 1.5 }}
              >
                {i + 1}
              </Typography>
            )}
          </MenuItem>
        ))}
      </Select>
    </Tooltip>
  );
}

function CanvasToolbar(): React.JSX.Element {
  const tool = useEditor((s) => s.tool);
  const image = useEditor((s) => s.current?.image ?? null);
  return (
    <Stack
      direction="row"
      useFlexGap
      sx={{
        px: 1,
        py: 0.5,
        gap: 1,
        // Narrower than its controls, the toolbar wraps to a second row: nothing hides under the
        // panel beside it.
        flexWrap: 'wrap',
        minWidth: 0,
        alignItems: 'center',
        borderBottom: 1,
        borderColor: 'divider',
        bgcolor: 'background.paper',
      }}
    >
      <ToggleButtonGroup
        exclusive
        value={tool}
        onChange={(_, v: CanvasTool | null) => {
          if (v) setTool(v);
          blurActive();
        }}
        aria-label="Tool"
      >
        <ToggleButton value="select" data-testid="tool-select" aria-label="Select">
          <Tooltip title="Select, move and resize boxes (Esc)">
            <NearMe fontSize="small" />
          </Tooltip>
        </ToggleButton>
        <ToggleButton value="draw" data-testid="tool-draw" aria-label="Draw">
          <Tooltip title="Draw a box (W)">
            <CropFree fontSize="small" />
          </Tooltip>
        </ToggleButton>
      </ToggleButtonGroup>
      <ClassPicker />
      <Divider orientation="vertical" flexItem />
      <Tooltip title="Zoom out (−)">
        <IconButton onClick={() => zoom(-1)} aria-label="Zoom out" data-testid="zoom-out">
          <ZoomOut fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title="Fit to window (F)">
        <IconButton onClick={fit} aria-label="Fit" data-testid="zoom-fit">
          <FitScreen fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title="Zoom in (+)">
        <IconButton onClick={() => zoom(1)} aria-label="Zoom in" data-testid="zoom-in">
          <ZoomIn fontSize="small" />
        </IconButton>
      </Tooltip>
      <Divider orientation="vertical" flexItem />
      <Tooltip title="Undo (Ctrl+Z)">
        <IconButton onClick={() => void undo()} aria-label="Undo" data-testid="undo">
          <Undo fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title="Redo (Ctrl+Shift+Z, Ctrl+Y)">
        <IconButton onClick={() => void redo()} aria-label="Redo" data-testid="redo">
          <Redo fontSize="small" />
        </IconButton>
      </Tooltip>
      <Box sx={{ flex: 1 }} />
      {image && (
        <Typography
          variant="body2"
          noWrap
          title={image.path}
          sx={{ color: 'text.secondary', minWidth: 0, direction: 'rtl', textAlign: 'left' }}
          data-testid="image-path"
        >
          {image.path}
        </Typography>
      )}
    </Stack>
  );
}

/** The centre when the list is empty: an empty project, or a filter that matches nothing. */
function NoImages(): React.JSX.Element {
  const filtered = useEditor((s) => !isDefaultFilter(s.filters));
  return (
    <Stack
      data-testid={filtered ? 'no-match' : 'empty-project-centre'}
      spacing={1.5}
      sx={{
        position: 'absolute',
        inset: 0,
        alignItems: 'center',
        justifyContent: 'center',
        color: 'text.secondary',
        textAlign: 'center',
        p: 3,
      }}
    >
      <Collections sx={{ fontSize: 56, opacity: 0.6 }} />
      {filtered ? (
        <>
          <Typography variant="h6">No image matches the filter</Typography>
          <Button variant="outlined" onClick={() => setFilters(DEFAULT_FILTERS)}>
            Clear filters
          </Button>
        </>
      ) : (
        <>
          <Typography variant="h6">No images yet</Typography>
          <Typography variant="body2">
            Import a folder with{' '}
            <Box component="code" sx={{ px: 0.5, bgcolor: 'action.hover', borderRadius: 0.5 }}>
              shotbox import &lt;folder&gt; --project &lt;file&gt;
            </Box>
            , then reload.
          </Typography>
        </>
      )}
    </Stack>
  );
}

export function CanvasPane(): React.JSX.Element {
  const current = useEditor((s) => s.current);
  const boxes = useEditor(selectCanvasBoxes);
  const selectedIds = useEditor((s) => s.selectedBoxIds);
  const tool = useEditor((s) => s.tool);
  const fitRequest = useEditor((s) => s.fitRequest);
  const zoomRequest = useEditor((s) => s.zoomRequest);
  const imageFailed = useEditor((s) => s.imageFailed);
  const attempt = useEditor((s) => s.imageAttempt);
  const total = useEditor((s) => s.total);
  const lensOverlay = useLensOverlay();
  // The lens owns the overlay while on; else the box an evaluation record pointed at.
  const highlightOverlay = useHighlightOverlay();

  const onSelect = useCallback(
    (ids: number[], additive: boolean) => selectBoxes(ids, additive),
    [],
  );
  const onCreate = useCallback((box: ImageBox) => void createBox(box), []);
  const onChange = useCallback((id: number, box: ImageBox) => void changeBox(id, box), []);

  const imageUrl = current ? api.imageUrl(current.id) : null;

  return (
    <Stack sx={{ height: '100%', minWidth: 0 }} data-testid="canvas-pane">
      <CanvasToolbar />
      <Box
        sx={{
          position: 'relative',
          flex: 1,
          minHeight: 0,
          overflow: 'hidden',
          bgcolor: (t) => (t.palette.mode === 'dark' ? '#0b0c0e' : '#e3e5e8'),
          cursor: tool === 'draw' ? 'crosshair' : 'default',
        }}
      >
        {current && !imageFailed && (
          <AnnotationCanvas
            key={attempt}
            imageUrl={imageUrl}
            imageWidth={current.image.width}
            imageHeight={current.image.height}
            boxes={boxes}
            selectedIds={selectedIds}
            tool={tool}
            fitRequest={fitRequest}
            zoomRequest={zoomRequest}
            onSelect={onSelect}
            onCreate={onCreate}
            onChange={onChange}
            onCancel={gestureCancelled}
            onViewChange={reportZoom}
            overlay={lensOverlay ?? highlightOverlay}
          />
        )}
        <HighlightChip />
        {current && current.annotations === null && !current.loadError && (
          <LinearProgress
            sx={{ position: 'absolute', top: 0, left: 0, right: 0 }}
            data-testid="boxes-loading"
          />
        )}
        {current?.loadError && (
          <Alert
            severity="error"
            sx={{ position: 'absolute', top: 12, left: 12, right: 12 }}
            action={
              <Button color="inherit" onClick={() => void reloadCurrent()}>
                Retry
              </Button>
            }
          >
            Could not load this image&apos;s boxes: {current.loadError}
          </Alert>
        )}
        {current && imageFailed && (
          <Stack
            data-testid="image-failed"
            spacing={1.5}
            sx={{
              position: 'absolute',
              inset: 0,
              alignItems: 'center',
              justifyContent: 'center',
              color: 'text.secondary',
              p: 3,
              textAlign: 'center',
            }}
          >
            <BrokenImage sx={{ fontSize: 48 }} />
            <Typography variant="subtitle1">This image failed to load</Typography>
            <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
              {current.image.path} — the file may be missing, moved or damaged. Its boxes are still
              listed on the right.
            </Typography>
            <Button variant="outlined" onClick={retryImage}>
              Retry
            </Button>
          </Stack>
        )}
        {!current && total !== null && total > 0 && (
          <Stack
            sx={{
              position: 'absolute',
              inset: 0,
              alignItems: 'center',
              justifyContent: 'center',
              color: 'text.secondary',
            }}
          >
            <Typography>Pick an image on the left (or press D).</Typography>
          </Stack>
        )}
        {!current && total === 0 && <NoImages />}
        <ErrorAlert />
      </Box>
    </Stack>
  );
}
