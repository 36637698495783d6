import Block from '@mui/icons-material/Block';
import Check from '@mui/icons-material/Check';
import CheckCircle from '@mui/icons-material/CheckCircle';
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

function ReviewFooter(): React.JSX.Element | null {
  const status = useEditor((s) => s.current?.image.status);
  const loaded = useEditor((s) => s.current?.annotations != null);
  const pending = useEditor(selectPendingCount);
  const hidden = useEditor(selectHidden);
  if (!status || !loaded) return null;
  return (
    <Stack spacing={1} sx={{ p: 1.25, borderTop: 1, borderColor: 'divider' }}>
      {(hidden.rejected > 0 || hidden.belowThreshold > 0) && (
        <Typography variant="caption" sx={{ color: 'text.secondary' }} data-testid="hidden-count">
          Hidden: {hidden.rejected > 0 ? `${hidden.rejected} rejected` : ''}
          {hidden.rejected > 0 && hidden.belowThreshold > 0 ? ', ' : ''}
          {hidden.belowThreshold > 0 ? `${hidden.belowThreshold} below the score threshold` : ''}
        </Typography>
      )}
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        {status === 'reviewed' ? (
          <Chip
            icon={<CheckCircle />}
            color="success"
            label="Image reviewed"
            data-testid="image-status"
          />
        ) : (
          <Chip
            label={pending > 0 ? `${pending} pending` : status}
            color={pending > 0 ? 'warning' : 'default'}
            variant="outlined"
            data-testid="image-status"
          />
        )}
        <Box sx={{ flex: 1 }} />
        {status !== 'reviewed' && pending === 0 && (
          <Tooltip title="Nothing is pending: mark this image reviewed (Ctrl+Enter)">
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
        An image is marked reviewed as soon as no box on it is pending.
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
