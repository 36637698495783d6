/**
 * Dataset coverage (a page of the workbench): how well a prior source covers the project's
 * labelled boxes, with the real matcher (lensCoverage). Histograms, positives per layer and per
 * aspect ratio, the boxes' w×h over the priors' sizes, the share at best IoU ≥ t, the worst
 * boxes (click: that image, lens on, box selected), what-if knobs that recompute live, and the
 * prior optimiser with before/after and config export.
 */
import {
  Alert,
  AppBar,
  Box,
  Button,
  Dialog,
  LinearProgress,
  Paper,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Toolbar,
  Typography,
} from '@mui/material';
import { BarChart } from '@mui/x-charts/BarChart';
import { ScatterChart } from '@mui/x-charts/ScatterChart';
import { useEffect, useMemo, useState } from 'react';
import type { LensCoverage, PriorSourceRequest } from '../../../shared/api/lensContract';
import { caffeLayerSizes } from '../../../shared/ssd/priors';
import type { CaffePriorConfig, PriorConfig } from '../../../shared/ssd/priorConfig';
import { generatePriors } from '../../../shared/ssd/priors';
import { api } from '../api';
import { openImageById } from '../actions/navigation';
import { selectBoxes } from '../actions/view';
import { getState } from '../state/store';
import {
  setCoverageOpen,
  setThreshold,
  showConfig,
  sourceRequest,
  toggleLens,
} from './lensActions';
import { getLens, useLens } from './lensStore';
import { layerColor } from './priorGeometry';

interface Knobs {
  minSizes: string[];
  maxSizes: string[];
  ratios: string[];
}

/** Editable per-layer sizes and ratios of a Caffe config (explicit form). */
function knobsOf(config: PriorConfig): Knobs | null {
  if (config.convention !== 'caffe') return null;
  const sizes = caffeLayerSizes(config);
  return {
    minSizes: sizes.map((s) => String(Number(s.minSize.toFixed(2)))),
    maxSizes: sizes.map((s) =>
      s.maxSize === undefined ? '' : String(Number(s.maxSize.toFixed(2))),
    ),
    ratios: config.layers.map((l) => l.aspectRatios.join(', ')),
  };
}

function configOf(base: CaffePriorConfig, k: Knobs): PriorConfig {
  return {
    ...base,
    sMin: undefined,
    sMax: undefined,
    firstLayerScale: undefined,
    scaleAfterLast: undefined,
    layers: base.layers.map((l, i) => ({
      ...l,
      minSize: Number(k.minSizes[i]),
      maxSize: k.maxSizes[i]?.trim() ? Number(k.maxSizes[i]) : undefined,
      aspectRatios: (k.ratios[i] ?? '')
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number),
    })),
  } as PriorConfig;
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}

function CoverageCharts({
  cov,
  config,
}: {
  cov: LensCoverage;
  config: PriorConfig | null;
}): React.JSX.Element {
  const edges = cov.bestIouHistogram.edges;
  const priorSizes = useMemo(() => {
    if (!config) return [];
    const set = generatePriors(config);
    return set.layers.map((l) => {
      const pts = new Map<string, { x: number; y: number; id: string }>();
      for (let b = 0; b < l.boxesPerCell; b++) {
        const i = l.start + b;
        const x = set.boxes[4 * i + 2]! * set.image.width;
        const y = set.boxes[4 * i + 3]! * set.image.height;
        pts.set(`${x.toFixed(1)}x${y.toFixed(1)}`, { x, y, id: `${l.name}-${b}` });
      }
      return { label: `priors ${l.name}`, data: [...pts.values()] };
    });
  }, [config]);
  return (
    <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 2 }}>
      <Paper sx={{ p: 1 }}>
        <Typography variant="subtitle2">Best IoU per box</Typography>
        <BarChart
          width={420}
          height={220}
          xAxis={[
            {
              scaleType: 'band',
              data: edges.slice(0, -1).map((e) => e.toFixed(2)),
              label: 'best IoU',
            },
          ]}
          series={[{ data: cov.bestIouHistogram.counts, label: 'boxes' }]}
          hideLegend
        />
      </Paper>
      <Paper sx={{ p: 1 }}>
        <Typography variant="subtitle2">Positives per box</Typography>
        <BarChart
          width={380}
          height={220}
          xAxis={[
            {
              scaleType: 'band',
              data: cov.positivesHistogram.map((_, i) =>
                i === cov.positivesHistogram.length - 1 ? `${i}+` : String(i),
              ),
              label: 'matched priors',
            },
          ]}
          series={[{ data: cov.positivesHistogram, label: 'boxes' }]}
          hideLegend
        />
      </Paper>
      <Paper sx={{ p: 1 }}>
        <Typography variant="subtitle2">Positives per layer</Typography>
        <BarChart
          width={380}
          height={220}
          xAxis={[{ scaleType: 'band', data: cov.perLayer.map((l) => l.name) }]}
          series={[{ data: cov.perLayer.map((l) => l.positives), label: 'positives' }]}
          hideLegend
        />
      </Paper>
      <Paper sx={{ p: 1 }}>
        <Typography variant="subtitle2">Positives per aspect ratio (w/h)</Typography>
        <BarChart
          width={380}
          height={220}
          xAxis={[{ scaleType: 'band', data: cov.perRatio.map((r) => String(r.ratio)) }]}
          series={[{ data: cov.perRatio.map((r) => r.positives), label: 'positives' }]}
          hideLegend
        />
      </Paper>
      <Paper sx={{ p: 1 }}>
        <Typography variant="subtitle2">
          Box w×h (input pixels) over the priors of each layer
        </Typography>
        <ScatterChart
          width={560}
          height={320}
          xAxis={[{ label: 'width', min: 0 }]}
          yAxis={[{ label: 'height', min: 0 }]}
          series={[
            {
              label: 'boxes',
              data: cov.sizes.map(([x, y], i) => ({ x, y, id: i })),
              markerSize: 2,
              color: '#888',
            },
            ...priorSizes.map((s, k) => ({ ...s, markerSize: 6, color: layerColor(k) })),
          ]}
        />
      </Paper>
    </Stack>
  );
}

export default function CoveragePage(): React.JSX.Element {
  const lens = useLens();
  const [cov, setCov] = useState<LensCoverage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [edited, setEdited] = useState(false);
  const [knobs, setKnobs] = useState<Knobs | null>(() =>
    lens.source ? knobsOf(lens.source.config) : null,
  );
  const [suggestion, setSuggestion] = useState<{
    before: LensCoverage;
    after: LensCoverage;
    config: PriorConfig;
  } | null>(null);
  const base = lens.source?.config ?? null;
  const resize = lens.source?.resize;
  // TF-convention sources (e.g. the face model): the scale range and the shared ratios.
  const [tfKnobs, setTfKnobs] = useState(() =>
    base?.convention === 'tf'
      ? {
          minScale: String(base.minScale),
          maxScale: String(base.maxScale),
          ratios: base.aspectRatios.join(', '),
        }
      : null,
  );

  const request: PriorSourceRequest | null = useMemo(() => {
    if (!base) return null;
    // Until a knob is touched, the source itself (its own label, resize mode and coder).
    if (edited && tfKnobs && base.convention === 'tf') {
      return {
        kind: 'config',
        label: 'what-if priors',
        config: {
          ...base,
          minScale: Number(tfKnobs.minScale),
          maxScale: Number(tfKnobs.maxScale),
          scales: undefined,
          aspectRatios: tfKnobs.ratios
            .split(/[\s,]+/)
            .filter(Boolean)
            .map(Number),
        } as Record<string, unknown>,
        ...(resize ? { resize } : {}),
      };
    }
    if (!knobs || !edited || base.convention !== 'caffe') return sourceRequest();
    return {
      kind: 'config',
      label: 'what-if priors',
      config: configOf(base, knobs) as Record<string, unknown>,
      ...(resize ? { resize } : {}),
    };
  }, [base, knobs, tfKnobs, edited, resize]);

  // Recompute live (debounced) when the knobs or the threshold change.
  useEffect(() => {
    if (!request) return;
    let live = true;
    const t = window.setTimeout(() => {
      setBusy(true);
      api
        .lensCoverage({ source: request, threshold: lens.threshold })
        .then((c) => live && (setCov(c), setError(null)))
        .catch((err: unknown) => live && setError((err as Error).message))
        .finally(() => live && setBusy(false));
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(t);
    };
  }, [request, lens.threshold]);

  const suggest = async (): Promise<void> => {
    if (!request) return;
    setBusy(true);
    try {
      setSuggestion(await api.lensSuggestPriors({ source: request, threshold: lens.threshold }));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const exportConfig = (config: PriorConfig): void => {
    const url = URL.createObjectURL(
      new Blob([JSON.stringify(config, null, 2)], { type: 'application/json' }),
    );
    const a = document.createElement('a');
    a.href = url;
    a.download = 'suggested-priors.json';
    a.click();
    URL.revokeObjectURL(url);
  };

  const openWorst = async (imageId: number | undefined, gt: number): Promise<void> => {
    if (imageId === undefined) return;
    setCoverageOpen(false);
    await openImageById(imageId);
    if (!getLens().on) toggleLens();
    const boxes = (getState().current?.annotations ?? [])
      .filter((a) => a.review === 'accepted' || a.review === 'edited')
      .sort((a, b) => a.id - b.id);
    const box = boxes[gt];
    if (box) selectBoxes([box.id]);
  };

  return (
    <Dialog fullScreen open onClose={() => setCoverageOpen(false)} data-testid="coverage-page">
      <AppBar position="static" color="default" elevation={0}>
        <Toolbar variant="dense" sx={{ gap: 2 }}>
          <Typography variant="h6" sx={{ flex: 1 }}>
            Prior coverage — {cov?.source ?? lens.source?.label ?? ''}
          </Typography>
          <TextField
            size="small"
            type="number"
            label="threshold"
            value={lens.threshold}
            slotProps={{ htmlInput: { step: 0.05, min: 0.05, max: 1 } }}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (v > 0 && v <= 1) setThreshold(v);
            }}
            sx={{ width: 110 }}
          />
          <Button
            variant="contained"
            onClick={() => void suggest()}
            disabled={busy}
            data-testid="coverage-suggest"
          >
            Suggest priors
          </Button>
          <Button onClick={() => setCoverageOpen(false)} data-testid="coverage-close">
            Close
          </Button>
        </Toolbar>
        {busy && <LinearProgress />}
      </AppBar>
      <Box sx={{ p: 2, overflow: 'auto' }}>
        {error && <Alert severity="error">{error}</Alert>}
        {cov && (
          <Stack spacing={2}>
            <Typography variant="h5" data-testid="coverage-share">
              {pct(cov.matchedFraction)} of {cov.boxes} boxes have a prior at IoU ≥ {cov.threshold}{' '}
              · {cov.meanPositives.toFixed(2)} positives per box · {cov.priorCount} default boxes
            </Typography>
            {suggestion && (
              <Alert
                severity="info"
                data-testid="coverage-suggestion"
                action={
                  <Stack direction="row" spacing={1}>
                    <Button color="inherit" onClick={() => showConfig(suggestion.config)}>
                      Use in lens
                    </Button>
                    <Button color="inherit" onClick={() => exportConfig(suggestion.config)}>
                      Export config
                    </Button>
                  </Stack>
                }
              >
                Suggested priors: {pct(suggestion.before.matchedFraction)} →{' '}
                {pct(suggestion.after.matchedFraction)} covered, {suggestion.before.priorCount} →{' '}
                {suggestion.after.priorCount} default boxes
              </Alert>
            )}
            <CoverageCharts
              cov={cov}
              config={request?.kind === 'config' ? (request.config as PriorConfig) : base}
            />
            {knobs && base?.convention === 'caffe' && (
              <Paper sx={{ p: 1 }}>
                <Typography variant="subtitle2">
                  What-if: sizes (input px) and aspect ratios per layer
                </Typography>
                <Table size="small">
                  <TableHead>
                    <TableRow>
                      <TableCell>layer</TableCell>
                      <TableCell>min size</TableCell>
                      <TableCell>max size</TableCell>
                      <TableCell>aspect ratios</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {base.layers.map((l, i) => (
                      <TableRow key={l.name}>
                        <TableCell>{l.name}</TableCell>
                        {(['minSizes', 'maxSizes', 'ratios'] as const).map((field) => (
                          <TableCell key={field}>
                            <TextField
                              size="small"
                              variant="standard"
                              value={knobs[field][i]}
                              onChange={(e) => {
                                setEdited(true);
                                setKnobs({
                                  ...knobs,
                                  [field]: knobs[field].map((v, j) =>
                                    j === i ? e.target.value : v,
                                  ),
                                });
                              }}
                              data-testid={`knob-${field}-${i}`}
                            />
                          </TableCell>
                        ))}
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </Paper>
            )}
            {tfKnobs && base?.convention === 'tf' && (
              <Paper sx={{ p: 1 }}>
                <Typography variant="subtitle2" gutterBottom>
                  What-if: scale range (fractions of the input) and aspect ratios of every layer
                </Typography>
                <Stack direction="row" spacing={2}>
                  {(['minScale', 'maxScale', 'ratios'] as const).map((field) => (
                    <TextField
                      key={field}
                      size="small"
                      label={field === 'ratios' ? 'aspect ratios' : field}
                      value={tfKnobs[field]}
                      onChange={(e) => {
                        setEdited(true);
                        setTfKnobs({ ...tfKnobs, [field]: e.target.value });
                      }}
                      data-testid={`knob-tf-${field}`}
                    />
                  ))}
                </Stack>
              </Paper>
            )}
            <Paper sx={{ p: 1 }}>
              <Typography variant="subtitle2">Worst-covered boxes</Typography>
              <Table size="small" data-testid="coverage-worst">
                <TableHead>
                  <TableRow>
                    <TableCell>image</TableCell>
                    <TableCell>box</TableCell>
                    <TableCell>class</TableCell>
                    <TableCell>best IoU</TableCell>
                    <TableCell>positives</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {cov.worst.map((w) => (
                    <TableRow
                      key={`${w.file_name}-${w.gt}`}
                      hover
                      sx={{ cursor: 'pointer' }}
                      onClick={() => void openWorst(w.imageId, w.gt)}
                    >
                      <TableCell>{w.file_name}</TableCell>
                      <TableCell>{w.box.map((v) => Math.round(v)).join(', ')}</TableCell>
                      <TableCell>{w.class}</TableCell>
                      <TableCell>{w.bestIou.toFixed(3)}</TableCell>
                      <TableCell>{w.positives}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Paper>
          </Stack>
        )}
      </Box>
    </Dialog>
  );
}
