import Block from '@mui/icons-material/Block';
import Check from '@mui/icons-material/Check';
import Delete from '@mui/icons-material/DeleteOutlineOutlined';
import DoneAll from '@mui/icons-material/DoneAll';
import FileDownload from '@mui/icons-material/FileDownloadOutlined';
import Person from '@mui/icons-material/Person';
import SmartToy from '@mui/icons-material/SmartToy';
import {
  Box,
  Button,
  Chip,
  IconButton,
  Menu,
  MenuItem,
  Select,
  Skeleton,
  Stack,
  Tooltip,
  Typography,
} from '@mui/material';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, useState } from 'react';
import type { AnnotationRecord, ClassRecord, ReviewState } from '../../../shared/project/types';
import {
  accept,
  acceptAllShown,
  deleteBoxes,
  markReviewed,
  restoreRejected,
  reject,
  relabel,
} from '../actions/review';
import { selectBoxes } from '../actions/view';
import {
  selectClassMap,
  selectHidden,
  selectOrderedClasses,
  selectPendingCount,
  selectShown,
} from '../state/selectors';
import { useEditor } from '../state/store';
import { isSplit, SPLITS } from '../../../shared/project/splits';
import { setCurrentSplit } from '../actions/split';
import { ImageStateBadge } from './ImageStateBadge';

const REVIEW_COLOR: Record<ReviewState, 'warning' | 'success' | 'info' | 'default'> = {
  pending: 'warning',
  accepted: 'success',
  edited: 'info',
  rejected: 'default',
};

interface BoxRowProps {
  a: AnnotationRecord;
  cls: ClassRecord | undefined;
  selected: boolean;
  onClassClick(anchor: HTMLElement, a: AnnotationRecord): void;
}

/** Fixed row height: the list is virtualised. */
const BOX_ROW_HEIGHT = 32;

const BoxRow = memo(function BoxRow({
  a,
  cls,
  selected,
  onClassClick,
}: BoxRowProps): React.JSX.Element {
  const pending = a.review === 'pending';
  return (
    <Stack
      data-testid={`box-row-${a.id}`}
      data-selected={selected ? 'true' : undefined}
      data-review={a.review}
      direction="row"
      spacing={0.75}
      onClick={(e) => selectBoxes([a.id], e.shiftKey || e.ctrlKey || e.metaKey)}
      sx={{
        px: 1,
        height: BOX_ROW_HEIGHT,
        boxSizing: 'border-box',
        alignItems: 'center',
        cursor: 'pointer',
        borderLeft: 3,
        borderColor: cls?.color ?? 'grey.500',
        bgcolor: selected ? 'action.selected' : 'transparent',
        '&:hover': { bgcolor: selected ? 'action.selected' : 'action.hover' },
      }}
    >
      <Tooltip
        title={
          a.origin === 'model'
            ? 'Model prediction'
            : a.origin === 'manual'
              ? 'Drawn by hand'
              : 'Imported'
        }
      >
        {a.origin === 'model' ? (
          <SmartToy
            sx={{ fontSize: 16, color: 'text.secondary' }}
            data-testid="origin-model"
            aria-label="Model prediction"
          />
        ) : a.origin === 'manual' ? (
          <Person
            sx={{ fontSize: 16, color: 'text.secondary' }}
            data-testid="origin-manual"
            aria-label="Drawn by hand"
          />
        ) : (
          <FileDownload
            sx={{ fontSize: 16, color: 'text.secondary' }}
            data-testid="origin-imported"
            aria-label="Imported"
          />
        )}
      </Tooltip>
      <Chip
        data-testid={`class-chip-${a.id}`}
        label={cls?.name ?? `class ${a.classId}`}
        onClick={(e) => {
          e.stopPropagation();
          onClassClick(e.currentTarget, a);
        }}
        sx={{
          maxWidth: 110,
          height: 22,
          bgcolor: cls ? `${cls.color}33` : undefined,
          border: 1,
          borderColor: cls?.color ?? 'divider',
        }}
      />
      <Typography
        variant="caption"
        sx={{ fontFamily: 'monospace', minWidth: 30, color: 'text.secondary' }}
        title="Model score"
      >
        {a.score !== null ? a.score.toFixed(2) : ''}
      </Typography>
      <Chip
        label={a.review}
        color={REVIEW_COLOR[a.review]}
        variant={pending ? 'outlined' : 'filled'}
        sx={{ height: 20, fontSize: 11 }}
      />
      <Box sx={{ flex: 1 }} />
      <Tooltip title="Accept (Enter)">
        <span>
          <IconButton
            data-testid={`accept-${a.id}`}
            aria-label="Accept"
            disabled={a.review === 'accepted'}
            onClick={(e) => {
              e.stopPropagation();
              void accept([a.id]);
            }}
            sx={{ p: 0.25, color: 'success.main' }}
          >
            <Check fontSize="small" />
          </IconButton>
        </span>
      </Tooltip>
      <Tooltip title="Reject (R)">
        <IconButton
          data-testid={`reject-${a.id}`}
          aria-label="Reject"
          onClick={(e) => {
            e.stopPropagation();
            void reject([a.id]);
          }}
          sx={{ p: 0.25, color: 'warning.main' }}
        >
          <Block fontSize="small" />
        </IconButton>
      </Tooltip>
      <Tooltip title="Delete (Del)">
        <IconButton
          data-testid={`delete-${a.id}`}
          aria-label="Delete"
          onClick={(e) => {
            e.stopPropagation();
            void deleteBoxes([a.id]);
          }}
          sx={{ p: 0.25 }}
        >
          <Delete fontSize="small" />
        </IconButton>
      </Tooltip>
    </Stack>
  );
});

/** Rejected boxes, listed on request with a way back (a rejected guess can be a mistake). */
function RejectedList(): React.JSX.Element {
  const annotations = useEditor((s) => s.current?.annotations);
  const classMap = useEditor(selectClassMap);
  const rejected = (annotations ?? []).filter((a) => a.review === 'rejected');
  return (
    <Stack spacing={0.5} data-testid="rejected-list" sx={{ maxHeight: 140, overflowY: 'auto' }}>
      {rejected.map((a) => (
        <Stack key={a.id} direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          <Typography variant="caption" noWrap sx={{ flex: 1, minWidth: 0 }}>
            {classMap.get(a.classId)?.name ?? `class ${a.classId}`}
            {a.score !== null ? ` · ${a.score.toFixed(2)}` : ''} · {Math.round(a.x2 - a.x1)}×
            {Math.round(a.y2 - a.y1)} px
          </Typography>
          <Button
            size="small"
            data-testid={`restore-${a.id}`}
            onClick={() => void restoreRejected([a.id])}
          >
            Restore
          </Button>
        </Stack>
      ))}
    </Stack>
  );
}

/** The open image's split (train/val/test): shown and set here, one undo step. */
function SplitControl(): React.JSX.Element {
  const split = useEditor((s) => s.current?.image.split ?? null);
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      <Typography variant="caption" sx={{ color: 'text.secondary' }} id="image-split-label">
        Split
      </Typography>
      <Select<string>
        size="small"
        data-testid="image-split"
        value={split ?? ''}
        displayEmpty
        onChange={(e) => {
          if (isSplit(e.target.value)) void setCurrentSplit(e.target.value);
        }}
        renderValue={(v: string) => v || 'none yet'}
        sx={{ fontSize: 13, minWidth: 96 }}
        inputProps={{ 'aria-labelledby': 'image-split-label' }}
      >
        {SPLITS.map((s) => (
          <MenuItem key={s} value={s} data-testid={`split-option-${s}`}>
            {s}
          </MenuItem>
        ))}
      </Select>
    </Stack>
  );
}

function ReviewFooter(): React.JSX.Element | null {
  const status = useEditor((s) => s.current?.image.status);
  const loaded = useEditor((s) => s.current?.annotations != null);
  const pending = useEditor(selectPendingCount);
  const hidden = useEditor(selectHidden);
  const [showRejected, setShowRejected] = useState(false);
  if (!status || !loaded) return null;
  return (
    <Stack spacing={1} sx={{ p: 1.25, borderTop: 1, borderColor: 'divider' }}>
      {(hidden.rejected > 0 || hidden.belowThreshold > 0) && (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          <Typography
            variant="caption"
            sx={{ color: 'text.secondary', flex: 1 }}
            data-testid="hidden-count"
          >
            Hidden: {hidden.rejected > 0 ? `${hidden.rejected} rejected` : ''}
            {hidden.rejected > 0 && hidden.belowThreshold > 0 ? ', ' : ''}
            {hidden.belowThreshold > 0 ? `${hidden.belowThreshold} below the score threshold` : ''}
          </Typography>
          {hidden.rejected > 0 && (
            <Button
              size="small"
              data-testid="toggle-rejected"
              onClick={() => setShowRejected((v) => !v)}
            >
              {showRejected ? 'Hide rejected' : 'Show rejected'}
            </Button>
          )}
        </Stack>
      )}
      {showRejected && hidden.rejected > 0 && <RejectedList />}
      <SplitControl />
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <ImageStateBadge status={status} pendingCount={pending} testId="image-status" />
        <Box sx={{ flex: 1 }} />
        {status !== 'reviewed' && (
          <Tooltip
            title={
              pending > 0
                ? 'Mark this image reviewed; its pending boxes are rejected (asks first) (Ctrl+Enter)'
                : 'Mark this image reviewed (Ctrl+Enter)'
            }
          >
            <Button
              variant="outlined"
              color="success"
              onClick={() => void markReviewed()}
              data-testid="mark-reviewed"
            >
              Mark reviewed
            </Button>
          </Tooltip>
        )}
      </Stack>
      <Typography variant="caption" sx={{ color: 'text.secondary' }}>
        An image is reviewed once nothing on it is pending and you decided on its boxes, or marked
        it.
      </Typography>
    </Stack>
  );
}

export function BoxList(): React.JSX.Element {
  const shown = useEditor(selectShown);
  const loading = useEditor((s) => s.current !== null && s.current.annotations === null);
  const hasImage = useEditor((s) => s.current !== null);
  const selected = useEditor((s) => s.selectedBoxIds);
  const classMap = useEditor(selectClassMap);
  const classes = useEditor(selectOrderedClasses);
  const pendingShown = shown.filter((a) => a.review === 'pending').length;
  // Virtualised: only visible rows mount, so switching images costs the same for 5 boxes or 500.
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read in render only
  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => BOX_ROW_HEIGHT,
    overscan: 8,
  });
  const firstSelected = shown.findIndex((a) => selected.has(a.id));
  useEffect(() => {
    if (firstSelected >= 0) virtualizer.scrollToIndex(firstSelected, { align: 'auto' });
  }, [firstSelected, virtualizer]);
  const [menu, setMenu] = useState<{ anchor: HTMLElement; a: AnnotationRecord } | null>(null);
  const onClassClick = useCallback(
    (anchor: HTMLElement, a: AnnotationRecord) => setMenu({ anchor, a }),
    [],
  );

  return (
    <Stack sx={{ height: '100%', minHeight: 0 }} data-testid="box-list">
      <Stack direction="row" sx={{ px: 1.25, py: 0.75, alignItems: 'center', gap: 1 }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          {shown.length} {shown.length === 1 ? 'box' : 'boxes'}
          {pendingShown > 0 && (
            <Typography component="span" variant="caption" sx={{ color: 'warning.main', ml: 1 }}>
              {pendingShown} pending
            </Typography>
          )}
        </Typography>
        <Tooltip title="Accept every pending box that is shown (Space)">
          <span>
            <Button
              data-testid="accept-all"
              variant="contained"
              color="success"
              startIcon={<DoneAll />}
              disabled={pendingShown === 0}
              onClick={() => void acceptAllShown()}
            >
              Accept all shown
            </Button>
          </span>
        </Tooltip>
      </Stack>
      <Box ref={scrollRef} sx={{ flex: 1, minHeight: 0, overflowY: 'auto' }}>
        {loading &&
          Array.from({ length: 4 }, (_, i) => (
            <Skeleton key={i} variant="rounded" height={30} sx={{ mx: 1, my: 0.75 }} />
          ))}
        {!loading && hasImage && shown.length === 0 && (
          <Typography variant="body2" sx={{ p: 1.5, color: 'text.secondary' }}>
            No boxes shown. Press <b>W</b> and drag to draw one, or <b>Detect image</b>.
          </Typography>
        )}
        <Box sx={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((v) => {
            const a = shown[v.index]!;
            return (
              <Box
                key={a.id}
                sx={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  transform: `translateY(${v.start}px)`,
                }}
              >
                <BoxRow
                  a={a}
                  cls={classMap.get(a.classId)}
                  selected={selected.has(a.id)}
                  onClassClick={onClassClick}
                />
              </Box>
            );
          })}
        </Box>
      </Box>
      <ReviewFooter />
      <Menu anchorEl={menu?.anchor} open={menu !== null} onClose={() => setMenu(null)}>
        {classes.map((c, i) => (
          <MenuItem
            key={c.id}
            selected={c.id === menu?.a.classId}
            onClick={() => {
              const ids = menu && selected.has(menu.a.id) ? [...selected] : menu ? [menu.a.id] : [];
              setMenu(null);
              if (ids.length) void relabel(ids, c.id);
            }}
          >
            <Box
              component="span"
              sx={{ width: 10, height: 10, borderRadius: '2px', bgcolor: c.color, mr: 1 }}
            />
            <Box component="span" sx={{ flex: 1 }}>
              {c.name}
            </Box>
            {i < 9 && (
              <Typography variant="caption" sx={{ color: 'text.secondary', ml: 2 }}>
                {i + 1}
              </Typography>
            )}
          </MenuItem>
        ))}
      </Menu>
    </Stack>
  );
}
