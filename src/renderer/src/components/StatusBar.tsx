import { Box, Stack, Tooltip, Typography } from '@mui/material';
import { isRefusal } from '../../../shared/api/errors';
import { formatBytes, formatCount, formatMs } from '../format';
import { useEditor } from '../state/store';
import { imageStateLabel } from './ImageStateBadge';

function Sep(): React.JSX.Element {
  return (
    <Box component="span" sx={{ color: 'divider', px: 0.75 }}>
      |
    </Box>
  );
}

/** Where am I, what just happened, what did the last detection cost. */
export function StatusBar(): React.JSX.Element {
  const current = useEditor((s) => s.current);
  const total = useEditor((s) => s.total);
  const zoom = useEditor((s) => s.zoom);
  const last = useEditor((s) => s.lastDetection);
  const lastAction = useEditor((s) => s.lastAction);
  const error = useEditor((s) => s.error);
  const tool = useEditor((s) => s.tool);
  const selectedBoxes = useEditor((s) => s.selectedBoxIds.size);
  const pending = useEditor(
    (s) => s.current?.annotations?.filter((a) => a.review === 'pending').length ?? 0,
  );

  const position =
    current && total !== null
      ? `Image ${current.index !== null ? formatCount(current.index + 1) : '–'} / ${formatCount(total)}`
      : total !== null
        ? `${formatCount(total)} images`
        : '';
  const t = last?.timings;

  return (
    <Stack
      data-testid="status-bar"
      direction="row"
      sx={{
        px: 1.25,
        height: 26,
        alignItems: 'center',
        borderTop: 1,
        borderColor: 'divider',
        bgcolor: 'background.paper',
        fontSize: 12,
        color: 'text.secondary',
        whiteSpace: 'nowrap',
        overflow: 'hidden',
        '& .MuiTypography-root': { fontSize: 12 },
      }}
    >
      <Typography data-testid="status-position">{position}</Typography>
      {current && (
        <>
          <Sep />
          <Typography>
            {current.image.width}×{current.image.height} · {formatBytes(current.image.bytes)}
          </Typography>
          <Sep />
          <Typography data-testid="status-image-state" data-status={current.image.status}>
            {imageStateLabel(current.image.status, pending)}
          </Typography>
        </>
      )}
      {zoom !== null && (
        <>
          <Sep />
          <Typography data-testid="status-zoom">zoom {Math.round(zoom * 100)}%</Typography>
        </>
      )}
      <Sep />
      <Typography>
        {tool === 'draw' ? 'Draw' : 'Select'}
        {selectedBoxes > 0 ? ` · ${selectedBoxes} selected` : ''}
      </Typography>
      <Sep />
      <Typography
        data-testid="status-last-action"
        noWrap
        sx={{ flex: 1, minWidth: 0, color: error ? 'error.main' : 'text.primary' }}
        title={error ? error.message : lastAction?.text}
      >
        {error
          ? `${isRefusal(error.code) ? 'Refused' : 'Error'} (${error.action}): ${error.message}`
          : lastAction
            ? `${lastAction.text}${lastAction.undoable ? ' · Ctrl+Z to undo' : ''}`
            : 'Ready · press ? for shortcuts'}
      </Typography>
      {last && t && (
        <Tooltip
          title={`Last detection with ${last.model}: decode ${formatMs(t.decode)}, preprocess ${formatMs(t.preprocess)}, inference ${formatMs(t.inference)}, postprocess ${formatMs(t.postprocess)}`}
        >
          <Typography data-testid="status-detection" sx={{ ml: 1 }}>
            {last.provider.toUpperCase()} · dec {formatMs(t.decode)} · pre {formatMs(t.preprocess)}{' '}
            · inf {formatMs(t.inference)} · post {formatMs(t.postprocess)}
          </Typography>
        </Tooltip>
      )}
    </Stack>
  );
}
