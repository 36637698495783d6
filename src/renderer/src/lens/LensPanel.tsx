/**
 * The lens panel beside the canvas: prior source, what to draw (cell under the pointer, all
 * priors, density), per-layer and per-ratio toggles, the match threshold, a badge per labelled
 * box and, for the selected box, its matched priors with their IoU and regression targets.
 */
import {
  Alert,
  Box,
  Button,
  Chip,
  FormControl,
  InputLabel,
  LinearProgress,
  MenuItem,
  Select,
  Slider,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from '@mui/material';
import { selectBoxes } from '../actions/view';
import { useEditor } from '../state/store';
import {
  loadConfigFile,
  setCoverageOpen,
  setPriorView,
  setSourceKind,
  setThreshold,
  toggleLayer,
  toggleRatio,
} from './lensActions';
import { useLens, type LensSourceKind, type PriorView } from './lensStore';
import { layerColor, ratioKey } from './priorGeometry';
import { ExplainSection } from './ExplainSection';

const fmt = (v: number, d = 3): string => v.toFixed(d);

export function LensPanel(): React.JSX.Element {
  const lens = useLens();
  const model = useEditor((s) => s.model);
  const current = useEditor((s) => s.current);
  const selected = useEditor((s) => s.selectedBoxIds);
  const match = lens.matchImageId === current?.id ? lens.match : null;
  const selectedId = selected.size === 1 ? [...selected][0]! : null;
  const gt = match?.gts.find((g) => g.annotationId === selectedId);
  const priors = lens.priors;
  const ratios = priors
    ? [
        ...new Set(
          Array.from({ length: priors.count }, (_, i) =>
            ratioKey(
              priors.boxes[4 * i + 2]! * priors.image.width,
              priors.boxes[4 * i + 3]! * priors.image.height,
            ),
          ),
        ),
      ].sort((a, b) => a - b)
    : [];

  return (
    <Stack
      spacing={1.25}
      sx={{ p: 1.25, height: '100%', overflow: 'auto' }}
      data-testid="lens-panel"
    >
      <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between' }}>
        <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
          SSD lens
        </Typography>
        <Button
          size="small"
          variant="outlined"
          onClick={() => setCoverageOpen(true)}
          data-testid="lens-open-coverage"
        >
          Coverage…
        </Button>
      </Stack>
      <FormControl size="small" fullWidth>
        <InputLabel id="lens-source-label">Default boxes</InputLabel>
        <Select
          labelId="lens-source-label"
          label="Default boxes"
          value={lens.sourceKind}
          onChange={(e) => setSourceKind(e.target.value as LensSourceKind)}
          data-testid="lens-source"
        >
          <MenuItem value="model" disabled={!model}>
            Current model{model ? ` (${model})` : ''}
          </MenuItem>
          <MenuItem value="ssd300">SSD300 preset</MenuItem>
          <MenuItem value="ssd512">SSD512 preset</MenuItem>
          <MenuItem value="whatif" disabled={!lens.whatIf}>
            What-if / loaded config
          </MenuItem>
        </Select>
      </FormControl>
      <Button size="small" component="label" sx={{ alignSelf: 'flex-start' }}>
        Load prior config…
        <input
          hidden
          type="file"
          accept=".json,application/json"
          data-testid="lens-config-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void loadConfigFile(f);
            e.target.value = '';
          }}
        />
      </Button>
      {lens.loading && <LinearProgress />}
      {lens.error && <Alert severity="error">{lens.error}</Alert>}
      {lens.source && (
        <Typography
          variant="caption"
          sx={{ color: 'text.secondary' }}
          data-testid="lens-source-summary"
        >
          {lens.source.label}: {lens.source.priorCount} default boxes,{' '}
          {lens.source.config.image.width}×{lens.source.config.image.height} input (
          {lens.source.resize.mode})
        </Typography>
      )}
      <ToggleButtonGroup
        size="small"
        exclusive
        value={lens.view}
        onChange={(_, v: PriorView | null) => v && setPriorView(v)}
        fullWidth
      >
        <ToggleButton value="cell" data-testid="lens-view-cell">
          Cell
        </ToggleButton>
        <ToggleButton value="all" data-testid="lens-view-all">
          All
        </ToggleButton>
        <ToggleButton value="density" data-testid="lens-view-density">
          Density
        </ToggleButton>
        <ToggleButton value="none">Off</ToggleButton>
      </ToggleButtonGroup>
      {priors && (
        <Box>
          <Typography variant="caption">Layers</Typography>
          <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 0.5 }}>
            {priors.layers.map((l, k) => (
              <Chip
                key={l.name}
                size="small"
                label={`${l.name} ${l.featureMap[0]}×${l.featureMap[1]}`}
                onClick={() => toggleLayer(k)}
                variant={lens.layerOn[k] === false ? 'outlined' : 'filled'}
                sx={{
                  borderColor: layerColor(k),
                  bgcolor: lens.layerOn[k] === false ? undefined : layerColor(k),
                  color: lens.layerOn[k] === false ? undefined : '#fff',
                }}
              />
            ))}
          </Stack>
          <Typography variant="caption">Aspect ratios (w/h)</Typography>
          <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 0.5 }}>
            {ratios.map((r) => (
              <Chip
                key={r}
                size="small"
                label={String(Number(r.toPrecision(3)))}
                onClick={() => toggleRatio(r)}
                variant={lens.ratioOff.has(r) ? 'outlined' : 'filled'}
              />
            ))}
          </Stack>
        </Box>
      )}
      <Box sx={{ px: 1 }}>
        <Typography variant="caption">Match threshold: {lens.threshold.toFixed(2)}</Typography>
        <Slider
          size="small"
          min={0.1}
          max={0.9}
          step={0.05}
          value={lens.threshold}
          onChange={(_, v) => setThreshold(v as number)}
          data-testid="lens-threshold"
        />
      </Box>
      <Typography variant="subtitle2">Labelled boxes</Typography>
      {match && match.gts.length === 0 && (
        <Typography variant="body2" sx={{ color: 'text.secondary' }}>
          No accepted boxes on this image: accept or draw one to see its matching.
        </Typography>
      )}
      <Stack spacing={0.5} data-testid="lens-gt-list">
        {match?.gts.map((g, i) => (
          <Stack
            key={g.annotationId}
            direction="row"
            spacing={1}
            sx={{ alignItems: 'center', cursor: 'pointer' }}
            onClick={() => selectBoxes([g.annotationId])}
            data-testid="lens-gt"
            data-annotation-id={g.annotationId}
            data-trains={g.trains ? 'yes' : 'no'}
          >
            <Chip
              size="small"
              color={g.trains ? 'success' : 'error'}
              label={g.trains ? 'trains' : `no prior ≥ ${match.threshold}`}
              data-testid="lens-badge"
            />
            <Typography variant="body2">
              box {i + 1}: {g.priors.length} priors, best IoU {fmt(g.bestIou)}
            </Typography>
          </Stack>
        ))}
      </Stack>
      {gt && (
        <Box data-testid="lens-matched-priors" sx={{ overflowX: 'auto' }}>
          <Typography variant="subtitle2">
            Matched priors of box {match!.gts.indexOf(gt) + 1} ({gt.priors.length})
          </Typography>
          <Table
            size="small"
            sx={{ '& td, & th': { px: 0.5, py: 0.25, fontSize: 11.5, whiteSpace: 'nowrap' } }}
          >
            <TableHead>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>layer</TableCell>
                <TableCell>cell</TableCell>
                <TableCell>w×h</TableCell>
                <TableCell>ratio</TableCell>
                <TableCell>IoU</TableCell>
                <TableCell>offsets</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {gt.priors.map((p) => (
                <TableRow
                  key={p.index}
                  data-testid="lens-prior-row"
                  data-index={p.index}
                  data-iou={p.iou}
                  sx={p.forced ? { bgcolor: 'rgba(255,152,0,0.15)' } : undefined}
                >
                  <TableCell>
                    {p.index}
                    {p.forced ? ' ★' : ''}
                  </TableCell>
                  <TableCell>{p.layerName}</TableCell>
                  <TableCell>
                    {p.row},{p.col}/{p.box}
                  </TableCell>
                  <TableCell>
                    {p.widthPx.toFixed(0)}×{p.heightPx.toFixed(0)}
                  </TableCell>
                  <TableCell>{p.aspectRatio.toFixed(2)}</TableCell>
                  <TableCell>{fmt(p.iou)}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>
                    {p.offsets.map((o) => o.toFixed(1)).join(' ')}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Typography variant="caption" sx={{ color: 'text.secondary' }}>
            ★ the forced (bipartite) match · offsets are the encoded regression targets
          </Typography>
        </Box>
      )}
      <ExplainSection />
    </Stack>
  );
}
