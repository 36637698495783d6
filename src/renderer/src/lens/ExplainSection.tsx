/**
 * The model's view of the open image: for a selected prediction, the prior it came from, its
 * raw offsets, decoded box, score and the candidates NMS suppressed in its favour; and the hard
 * negatives the 3:1 rule selects beside the positives.
 */
import {
  Box,
  Button,
  FormControlLabel,
  LinearProgress,
  Stack,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import type { LensExplain } from '../../../shared/api/lensContract';
import type { Box as PxBox } from '../../../shared/project/types';
import { useEditor } from '../state/store';
import { explainCurrent, setShowNegatives } from './lensActions';
import { useLens } from './lensStore';

type Detection = LensExplain['detections'][number];

const cellSx = { '& td, & th': { px: 0.5, py: 0.25, fontSize: 11.5, whiteSpace: 'nowrap' } };
const f2 = (v: number): string => v.toFixed(2);

/** The explained detection a stored prediction box is (the nearest decoded box). */
export function detectionOf(
  explain: LensExplain | null,
  box: PxBox | undefined,
): Detection | undefined {
  if (!explain || !box) return undefined;
  let best: Detection | undefined;
  let bestD = Infinity;
  for (const d of explain.detections) {
    const dist =
      Math.abs(d.box[0] - box.x1) +
      Math.abs(d.box[1] - box.y1) +
      Math.abs(d.box[2] - box.x2) +
      Math.abs(d.box[3] - box.y2);
    if (dist < bestD) {
      bestD = dist;
      best = d;
    }
  }
  return bestD < 8 ? best : undefined;
}

export function ExplainSection(): React.JSX.Element {
  const lens = useLens();
  const current = useEditor((s) => s.current);
  const selected = useEditor((s) => s.selectedBoxIds);
  const explain = lens.explainImageId === current?.id ? lens.explain : null;
  const selectedId = selected.size === 1 ? [...selected][0]! : null;
  const box = current?.annotations?.find((a) => a.id === selectedId);
  const det = box?.origin === 'model' ? detectionOf(explain, box) : undefined;

  return (
    <Stack spacing={1} data-testid="lens-explain">
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
        <Typography variant="subtitle2">Model&apos;s view</Typography>
        <Button
          size="small"
          variant="outlined"
          onClick={() => void explainCurrent()}
          disabled={!current || lens.explaining}
          data-testid="lens-explain-run"
        >
          {explain ? 'Recompute' : 'Explain detections'}
        </Button>
      </Stack>
      {lens.explaining && <LinearProgress />}
      {explain && (
        <Typography variant="caption" sx={{ color: 'text.secondary' }}>
          {explain.model}: {explain.detections.length} detections · {explain.positives.length}{' '}
          positive priors for the labels · {explain.hardNegativeCount} hard negatives (3:1)
        </Typography>
      )}
      {explain && (
        <FormControlLabel
          control={
            <Switch
              size="small"
              checked={lens.showNegatives}
              onChange={(e) => setShowNegatives(e.target.checked)}
            />
          }
          label={
            <Typography variant="body2">
              Show hard negatives (magenta) and positives (green)
            </Typography>
          }
        />
      )}
      {explain && !det && (
        <Typography variant="body2" sx={{ color: 'text.secondary' }}>
          Select a prediction to see the prior it came from.
        </Typography>
      )}
      {det && (
        <Box data-testid="lens-provenance">
          <Typography variant="body2">
            Prior <b data-testid="lens-provenance-prior">{det.prior.index}</b> ·{' '}
            {det.prior.layerName} cell {det.prior.row},{det.prior.col} box {det.prior.box} ·{' '}
            {det.prior.widthPx.toFixed(0)}×{det.prior.heightPx.toFixed(0)} px · ratio{' '}
            {f2(det.prior.aspectRatio)}
          </Typography>
          <Typography variant="body2">
            score {det.score.toFixed(3)} · raw offsets{' '}
            <span style={{ fontFamily: 'monospace' }}>{det.rawOffsets.map(f2).join(' ')}</span>
          </Typography>
          <Typography variant="body2">
            decoded (canvas){' '}
            <span style={{ fontFamily: 'monospace' }}>
              {det.decodedCanvas.map((v) => v.toFixed(3)).join(' ')}
            </span>
          </Typography>
          <Typography variant="subtitle2" sx={{ mt: 1 }}>
            Suppressed by NMS in its favour ({det.suppressed.length})
          </Typography>
          <Table size="small" sx={cellSx}>
            <TableHead>
              <TableRow>
                <TableCell>prior</TableCell>
                <TableCell>layer</TableCell>
                <TableCell>score</TableCell>
                <TableCell>IoU</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {det.suppressed.slice(0, 12).map((s) => (
                <TableRow key={s.prior}>
                  <TableCell>{s.prior}</TableCell>
                  <TableCell>{s.layerName}</TableCell>
                  <TableCell>{s.score.toFixed(3)}</TableCell>
                  <TableCell>{s.iou.toFixed(2)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
      {explain && lens.showNegatives && (
        <Box>
          <Typography variant="subtitle2">Hardest negatives</Typography>
          <Table size="small" sx={cellSx}>
            <TableHead>
              <TableRow>
                <TableCell>prior</TableCell>
                <TableCell>layer</TableCell>
                <TableCell>cell</TableCell>
                <TableCell>loss</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {explain.hardNegatives.slice(0, 8).map((n) => (
                <TableRow key={n.prior.index}>
                  <TableCell>{n.prior.index}</TableCell>
                  <TableCell>{n.prior.layerName}</TableCell>
                  <TableCell>
                    {n.prior.row},{n.prior.col}/{n.prior.box}
                  </TableCell>
                  <TableCell>{n.loss.toFixed(3)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
    </Stack>
  );
}
