import { SPLITS } from '../../../shared/project/splits';
import BrokenImage from '@mui/icons-material/BrokenImage';
import Search from '@mui/icons-material/Search';
import {
  Alert,
  Box,
  Button,
  InputAdornment,
  MenuItem,
  Select,
  Skeleton,
  Slider,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, useState } from 'react';
import type { ImageListItem } from '../../../shared/project/types';
import { api } from '../api';
import {
  ensureRange,
  refreshList,
  selectImageRange,
  setFilters,
  toggleImageSelected,
} from '../actions/imageList';
import { openRow } from '../actions/navigation';
import { formatCount } from '../format';
import { ImageStateBadge } from './ImageStateBadge';
import { itemAt } from '../state/selectors';
import { DEFAULT_FILTERS, isDefaultFilter, useEditor, type ImageFilters } from '../state/store';

const ROW_HEIGHT = 56;
const SEARCH_DEBOUNCE_MS = 250;
/** Thumbnails already shown once: rendered even while scrolling fast (the browser has them). */
const seenThumbs = new Set<number>();

function StatusBadge({ item }: { item: ImageListItem }): React.JSX.Element {
  return <ImageStateBadge status={item.status} pendingCount={item.pendingCount} />;
}

interface RowProps {
  index: number;
  item: ImageListItem | undefined;
  current: boolean;
  selected: boolean;
  showThumb: boolean;
}

const ImageRow = memo(function ImageRow({
  index,
  item,
  current,
  selected,
  showThumb,
}: RowProps): React.JSX.Element {
  // Keyed by image id: a recycled row showing another image must not inherit the failure.
  const [failedThumbId, setFailedThumbId] = useState<number | null>(null);
  const thumbFailed = item !== undefined && failedThumbId === item.id;
  if (!item) {
    return (
      <Stack
        direction="row"
        spacing={1.25}
        sx={{ px: 1.25, height: ROW_HEIGHT, alignItems: 'center' }}
      >
        <Skeleton variant="rounded" width={44} height={44} />
        <Box sx={{ flex: 1 }}>
          <Skeleton width="70%" />
          <Skeleton width="40%" />
        </Box>
      </Stack>
    );
  }
  const slash = item.path.lastIndexOf('/');
  const name = item.path.slice(slash + 1);
  const dir = slash > 0 ? item.path.slice(0, slash) : '';
  return (
    <Stack
      data-testid={`image-row-${item.id}`}
      data-index={index}
      data-selected={selected ? 'true' : undefined}
      data-current={current ? 'true' : undefined}
      direction="row"
      spacing={1.25}
      onClick={(e) => {
        if (e.shiftKey) void selectImageRange(index);
        else if (e.ctrlKey || e.metaKey) toggleImageSelected(index, item.id);
        else openRow(item, index);
      }}
      onMouseDown={(e) => {
        if (e.shiftKey) e.preventDefault(); // no text selection on shift+click
      }}
      sx={{
        px: 1.25,
        height: ROW_HEIGHT,
        alignItems: 'center',
        cursor: 'pointer',
        borderLeft: 3,
        borderColor: current ? 'primary.main' : 'transparent',
        bgcolor: current ? 'action.selected' : selected ? 'action.hover' : 'transparent',
        '&:hover': { bgcolor: current ? 'action.selected' : 'action.hover' },
      }}
    >
      <Box
        sx={{
          width: 44,
          height: 44,
          flexShrink: 0,
          borderRadius: 1,
          overflow: 'hidden',
          bgcolor: 'action.hover',
          outline: selected && !current ? 2 : 0,
          outlineColor: 'primary.main',
        }}
      >
        {showThumb && !thumbFailed && (
          <img
            src={api.imageUrl(item.id, 'thumb')}
            alt=""
            loading="lazy"
            decoding="async"
            width={44}
            height={44}
            onLoad={() => seenThumbs.add(item.id)}
            onError={() => setFailedThumbId(item.id)}
            style={{ objectFit: 'cover', display: 'block' }}
          />
        )}
        {thumbFailed && (
          <BrokenImage
            titleAccess="thumbnail unavailable: the file is missing or unreadable"
            sx={{ width: 44, height: 44, p: 1.25, color: 'text.disabled' }}
          />
        )}
      </Box>
      <Box sx={{ minWidth: 0, flex: 1 }}>
        <Typography
          variant="body2"
          noWrap
          title={item.path}
          sx={{ fontWeight: current ? 700 : 500, lineHeight: 1.3 }}
        >
          {name}
        </Typography>
        <Typography variant="caption" noWrap component="div" sx={{ color: 'text.secondary' }}>
          {item.split && (
            <Box
              component="span"
              data-testid={`image-split-${item.id}`}
              sx={{ fontWeight: 600, color: 'text.primary' }}
            >
              {item.split}{' '}
            </Box>
          )}
          {dir ? `${dir} · ` : ''}
          {item.width}×{item.height} · {item.annotationCount}{' '}
          {item.annotationCount === 1 ? 'box' : 'boxes'}
        </Typography>
      </Box>
      <StatusBadge item={item} />
    </Stack>
  );
});

const REVIEW_FILTERS: { value: ImageFilters['review']; label: string }[] = [
  { value: 'all', label: 'All images' },
  { value: 'unreviewed', label: 'Not run yet' },
  { value: 'nothing-found', label: 'Nothing found' },
  { value: 'predicted', label: 'Has pending boxes' },
  { value: 'reviewed', label: 'Reviewed' },
];

/** The review queue's score band: only images with a pending box scoring inside it. */
function ScoreBand(): React.JSX.Element {
  const band = useEditor((s) => s.filters.band);
  const [value, setValue] = useState<number[]>([...band]);
  // A band set elsewhere (Clear filters) replaces the drag state; adjusted during render, not
  // by remounting, so a thumb keeps its focus while arrow keys commit one step after another.
  const [synced, setSynced] = useState(band);
  if (synced !== band) {
    setSynced(band);
    setValue([...band]);
  }
  return (
    <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center', px: 0.5 }}>
      <Typography
        variant="caption"
        data-testid="score-band-text"
        sx={{ color: 'text.secondary', whiteSpace: 'nowrap' }}
      >
        Pending {value[0]!.toFixed(2)}–{value[1]!.toFixed(2)}
      </Typography>
      <Slider
        data-testid="score-band"
        size="small"
        min={0}
        max={1}
        step={0.05}
        value={value}
        disableSwap
        onChange={(_, v) => setValue(v as number[])}
        onChangeCommitted={(_, v) => {
          const [min, max] = v as number[];
          setFilters({ band: [min!, max!] });
        }}
        getAriaLabel={(i) => (i === 0 ? 'Lowest pending score' : 'Highest pending score')}
      />
    </Stack>
  );
}

function Filters(): React.JSX.Element {
  const filters = useEditor((s) => s.filters);
  const classes = useEditor((s) => s.classes);
  const [search, setSearch] = useState(filters.search);

  useEffect(() => {
    if (search === filters.search) return;
    const t = setTimeout(() => setFilters({ search }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [search, filters.search]);

  return (
    <Stack spacing={1} sx={{ p: 1.25, borderBottom: 1, borderColor: 'divider' }}>
      <TextField
        data-testid="image-search"
        placeholder="Search by name"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setSearch('');
            (e.target as HTMLElement).blur();
          }
        }}
        slotProps={{
          input: {
            startAdornment: (
              <InputAdornment position="start">
                <Search fontSize="small" />
              </InputAdornment>
            ),
          },
          htmlInput: { 'aria-label': 'Search images by name' },
        }}
      />
      <Stack direction="row" spacing={1}>
        <Select
          data-testid="review-filter"
          value={filters.review}
          onChange={(e) => setFilters({ review: e.target.value as ImageFilters['review'] })}
          sx={{ flex: 1, minWidth: 0, fontSize: 13 }}
          aria-label="Review state"
        >
          {REVIEW_FILTERS.map((f) => (
            <MenuItem key={f.value} value={f.value}>
              {f.label}
            </MenuItem>
          ))}
        </Select>
        <Select
          data-testid="class-filter"
          value={filters.classId ?? 0}
          onChange={(e) => {
            const v = Number(e.target.value);
            setFilters({ classId: v === 0 ? null : v });
          }}
          sx={{ flex: 1, minWidth: 0, fontSize: 13 }}
          aria-label="Class"
        >
          <MenuItem value={0}>Any class</MenuItem>
          {classes.map((c) => (
            <MenuItem key={c.id} value={c.id}>
              <Box
                component="span"
                sx={{
                  width: 10,
                  height: 10,
                  borderRadius: '2px',
                  bgcolor: c.color,
                  mr: 1,
                  display: 'inline-block',
                }}
              />
              {c.name}
            </MenuItem>
          ))}
        </Select>
      </Stack>
      {/* A row of its own: three selects do not fit the 240-px list at 1024 px. */}
      <Stack direction="row" spacing={1}>
        <Select
          data-testid="split-filter"
          value={filters.split}
          onChange={(e) => setFilters({ split: e.target.value as ImageFilters['split'] })}
          sx={{ flex: 1, minWidth: 0, fontSize: 13 }}
          aria-label="Split"
        >
          <MenuItem value="all">Any split</MenuItem>
          {SPLITS.map((s) => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </Select>
        <Select
          data-testid="order-select"
          value={filters.order}
          onChange={(e) => setFilters({ order: e.target.value as ImageFilters['order'] })}
          sx={{ flex: 1, minWidth: 0, fontSize: 13 }}
          aria-label="Order"
        >
          <MenuItem value="path">By name</MenuItem>
          <MenuItem value="uncertain">Uncertain first</MenuItem>
        </Select>
      </Stack>
      {filters.order === 'uncertain' && <ScoreBand />}
    </Stack>
  );
}

export function ImageList(): React.JSX.Element {
  const total = useEditor((s) => s.total);
  const pages = useEditor((s) => s.pages);
  const generation = useEditor((s) => s.listGeneration);
  const currentId = useEditor((s) => s.current?.id ?? null);
  const currentIndex = useEditor((s) => s.current?.index ?? null);
  const selectedIds = useEditor((s) => s.selectedImageIds);
  const listError = useEditor((s) => s.listError);
  const filters = useEditor((s) => s.filters);
  const scrollRef = useRef<HTMLDivElement>(null);

  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is read in render only
  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
  });
  const rows = virtualizer.getVirtualItems();
  const first = rows[0]?.index ?? 0;
  const last = rows[rows.length - 1]?.index ?? -1;
  const scrolling = virtualizer.isScrolling;

  useEffect(() => {
    if (last >= first) ensureRange(first, last);
  }, [first, last, generation, pages]);

  useEffect(() => {
    if (currentIndex !== null && currentIndex < (total ?? 0)) {
      virtualizer.scrollToIndex(currentIndex, { align: 'auto' });
    }
  }, [currentIndex, total, virtualizer]);

  useEffect(() => {
    if (generation > 0) scrollRef.current?.scrollTo({ top: 0 });
  }, [generation]);

  return (
    <Stack data-testid="image-list" sx={{ height: '100%', minHeight: 0 }}>
      <Filters />
      <Stack
        direction="row"
        sx={{ px: 1.25, py: 0.5, alignItems: 'center', color: 'text.secondary', minHeight: 28 }}
      >
        <Typography variant="caption" data-testid="image-count" sx={{ flex: 1 }}>
          {total === null
            ? 'Loading…'
            : `${formatCount(total)} ${total === 1 ? 'image' : 'images'}${
                selectedIds.size > 1 ? ` · ${formatCount(selectedIds.size)} selected` : ''
              }`}
        </Typography>
      </Stack>
      {listError && (
        <Alert
          severity="error"
          sx={{ mx: 1, mb: 1 }}
          action={
            <Button color="inherit" onClick={refreshList}>
              Retry
            </Button>
          }
        >
          Could not load images: {listError}
        </Alert>
      )}
      {total === 0 && (
        <Box sx={{ p: 2, color: 'text.secondary' }}>
          {isDefaultFilter(filters) ? (
            <Typography variant="body2" data-testid="empty-project">
              No images yet: import a folder with{' '}
              <code>shotbox import &lt;folder&gt; --project &lt;file&gt;</code>.
            </Typography>
          ) : (
            <Stack spacing={1} sx={{ alignItems: 'flex-start' }}>
              <Typography variant="body2">No image matches the filter.</Typography>
              <Button variant="outlined" onClick={() => setFilters(DEFAULT_FILTERS)}>
                Clear filters
              </Button>
            </Stack>
          )}
        </Box>
      )}
      <Box
        ref={scrollRef}
        aria-label="Images"
        sx={{ flex: 1, minHeight: 0, overflowY: 'auto', contain: 'strict' }}
      >
        {total === null ? (
          Array.from({ length: 10 }, (_, i) => (
            <ImageRow
              key={i}
              index={i}
              item={undefined}
              current={false}
              selected={false}
              showThumb={false}
            />
          ))
        ) : (
          <Box sx={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
            {rows.map((row) => {
              const item = itemAt(pages, row.index);
              return (
                <Box
                  key={row.key}
                  sx={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT }}
                  style={{ transform: `translateY(${row.start}px)` }}
                >
                  <ImageRow
                    index={row.index}
                    item={item}
                    current={item !== undefined && item.id === currentId}
                    selected={item !== undefined && selectedIds.has(item.id)}
                    showThumb={item !== undefined && (!scrolling || seenThumbs.has(item.id))}
                  />
                </Box>
              );
            })}
          </Box>
        )}
      </Box>
    </Stack>
  );
}
