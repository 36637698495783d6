/**
 * The training page (T, or "Train" in the app bar): fine-tune a model on the project's settled
 * labels as a job — base model, classes (the project's), split, mode, epochs, augmentation —
 * with live loss curves (localisation, confidence) and val mAP per epoch, the ETA, stop and
 * resume, and at the end "Pre-annotate with it" and base vs trained on the test split.
 */
import Close from '@mui/icons-material/Close';
import {
  Alert,
  AppBar,
  Box,
  Button,
  Chip,
  Dialog,
  FormControlLabel,
  IconButton,
  LinearProgress,
  MenuItem,
  Paper,
  Stack,
  Switch,
  TextField,
  Toolbar,
  Typography,
} from '@mui/material';
import { LineChart } from '@mui/x-charts/LineChart';
import { useMemo } from 'react';
import type { ModelSummary } from '../../../shared/api/contract';
import { isResumable } from '../../../shared/jobs/types';
import { formatDuration } from '../format';
import { useEditor } from '../state/store';
import {
  compareTrained,
  preAnnotateWith,
  resumeTraining,
  setForm,
  setTrainingOpen,
  startTraining,
  stopTraining,
} from './trainingActions';
import { useTraining, type TrainingMode } from './trainingStore';

const FORM_WIDTH = 300;
// Selectors must return the same value for the same state (a fresh [] re-renders without end).
const NO_MODELS: readonly ModelSummary[] = [];
const NO_LINES: readonly string[] = [];

/** heads / extras / full; full is offered only where the backend has a native tfjs backend. */
function ModeSelect(): React.JSX.Element {
  const mode = useTraining((s) => s.form.mode);
  const running = useTraining((s) => s.running);
  const full = useTraining((s) => s.view?.fullMode ?? null);
  const fullOk = full?.available === true;
  return (
    <Box>
      <TextField
        select
        fullWidth
        size="small"
        label="Mode"
        value={mode === 'full' && !fullOk ? 'heads' : mode}
        onChange={(e) => setForm({ mode: e.target.value as TrainingMode })}
        disabled={running}
        slotProps={{ htmlInput: { 'data-testid': 'train-mode' } }}
      >
        <MenuItem value="heads">heads (frozen backbone, runs on CPU)</MenuItem>
        <MenuItem value="extras">extras (heads and SSD extra layers, runs on CPU)</MenuItem>
        <MenuItem value="full" disabled={!fullOk} data-testid="train-mode-full">
          full (the whole network{fullOk ? '' : ': needs a native tfjs backend'})
        </MenuItem>
      </TextField>
      {full && !fullOk && (
        <Typography
          variant="caption"
          sx={{ color: 'text.secondary', display: 'block', mt: 0.5 }}
          data-testid="train-full-reason"
        >
          full: {full.reason}
        </Typography>
      )}
    </Box>
  );
}

function Settings(): React.JSX.Element {
  const form = useTraining((s) => s.form);
  const view = useTraining((s) => s.view);
  const running = useTraining((s) => s.running);
  const models = useEditor((s) => s.appInfo?.models ?? NO_MODELS).filter((m) => m.ready);
  const settled = view?.settled;
  return (
    <Stack spacing={1.5} sx={{ width: FORM_WIDTH, flexShrink: 0, p: 1.5, overflow: 'auto' }}>
      <TextField
        select
        size="small"
        label="Base model"
        value={models.some((m) => m.name === form.base) ? form.base : ''}
        onChange={(e) => setForm({ base: e.target.value })}
        disabled={running}
        slotProps={{ htmlInput: { 'data-testid': 'train-base' } }}
      >
        {models.map((m) => (
          <MenuItem key={m.name} value={m.name}>
            {m.name}
          </MenuItem>
        ))}
      </TextField>
      <Box>
        <Typography variant="caption" sx={{ color: 'text.secondary' }}>
          Classes (the project&apos;s)
        </Typography>
        <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 0.5 }} data-testid="train-classes">
          {(view?.classes ?? []).map((c) => (
            <Chip key={c} size="small" label={c} />
          ))}
          {view && view.classes.length === 0 && (
            <Typography variant="body2" sx={{ color: 'warning.main' }}>
              No classes yet: label some boxes first
            </Typography>
          )}
        </Stack>
      </Box>
      <TextField select size="small" label="Split" value="train" disabled>
        <MenuItem value="train">train (val validates, test is kept out)</MenuItem>
      </TextField>
      {settled && (
        <Typography variant="caption" sx={{ color: 'text.secondary' }} data-testid="train-splits">
          Settled images: train {settled.train} · val {settled.val} · test {settled.test}
          {settled.none ? ` · ${settled.none} without a split (assigned at start)` : ''}
        </Typography>
      )}
      <ModeSelect />
      <TextField
        size="small"
        type="number"
        label="Epochs"
        value={form.epochs}
        onChange={(e) => setForm({ epochs: Math.max(1, Math.min(200, Number(e.target.value))) })}
        disabled={running}
        slotProps={{ htmlInput: { min: 1, max: 200, 'data-testid': 'train-epochs' } }}
      />
      <TextField
        size="small"
        type="number"
        label="Max images (empty: all)"
        value={form.maxImages}
        onChange={(e) => setForm({ maxImages: e.target.value })}
        disabled={running}
        slotProps={{ htmlInput: { min: 1, 'data-testid': 'train-max-images' } }}
      />
      <FormControlLabel
        control={
          <Switch
            checked={form.augmentation}
            onChange={(e) => setForm({ augmentation: e.target.checked })}
            disabled={running}
            slotProps={{ input: { 'aria-label': 'Augmentation' } }}
            data-testid="train-augment"
          />
        }
        label="Augmentation (photometric, zoom-out, crops, flips)"
      />
      <TextField
        size="small"
        label="Model name"
        placeholder={view?.suggestedName ?? ''}
        value={form.name}
        onChange={(e) => setForm({ name: e.target.value })}
        disabled={running}
        helperText={`Registered as ${form.name.trim() || view?.suggestedName || '…'}`}
        slotProps={{ htmlInput: { 'data-testid': 'train-name' } }}
      />
      <Controls />
    </Stack>
  );
}

function Controls(): React.JSX.Element {
  const running = useTraining((s) => s.running);
  const stopping = useTraining((s) => s.stopping);
  const job = useTraining((s) => s.view?.job ?? null);
  const base = useTraining((s) => s.form.base);
  const resumable = !running && job !== null && isResumable(job.state);
  return (
    <Stack direction="row" spacing={1}>
      {running ? (
        <Button
          variant="contained"
          color="warning"
          onClick={() => void stopTraining()}
          disabled={stopping}
          data-testid="train-stop"
        >
          {stopping ? 'Stopping…' : 'Stop'}
        </Button>
      ) : (
        <Button
          variant="contained"
          onClick={() => void startTraining()}
          disabled={!base}
          data-testid="train-start"
        >
          Start training
        </Button>
      )}
      {resumable && (
        <Button variant="outlined" onClick={() => void resumeTraining()} data-testid="train-resume">
          Resume job {job.id}
        </Button>
      )}
    </Stack>
  );
}

function Status(): React.JSX.Element | null {
  const running = useTraining((s) => s.running);
  const done = useTraining((s) => s.done);
  const total = useTraining((s) => s.total);
  const eta = useTraining((s) => s.etaSeconds);
  const job = useTraining((s) => s.view?.job ?? null);
  const backend = useTraining((s) => s.view?.metrics?.backend ?? null);
  if (!job && !running) return null;
  const text =
    (running
      ? `Step ${done} / ${total || '…'}${eta !== null ? ` · ${formatDuration(eta)} left` : ''}`
      : `Job ${job?.id} · ${job?.message ?? job?.state}`) +
    // The backend's name; the whole line (why others were skipped) is in the run's log.
    (backend ? ` · tfjs ${backend.split(' ')[0]}` : '');
  return (
    <Box data-testid="train-status">
      {running && <LinearProgress variant="determinate" value={total ? (100 * done) / total : 0} />}
      <Typography
        variant="caption"
        noWrap
        component="div"
        title={text}
        sx={{ color: 'text.secondary' }}
      >
        {text}
      </Typography>
    </Box>
  );
}

/** The run's last words: splits assigned, images used, backend, resumed. */
function RunLog(): React.JSX.Element | null {
  const log = useTraining((s) => s.view?.metrics?.log ?? NO_LINES);
  if (log.length === 0) return null;
  return (
    <Typography
      variant="caption"
      component="div"
      sx={{ color: 'text.secondary', px: 0.5 }}
      data-testid="train-log"
    >
      {log.slice(-4).map((l, i) => (
        <div key={i}>{l}</div>
      ))}
    </Typography>
  );
}

function Curves(): React.JSX.Element {
  const steps = useTraining((s) => s.steps);
  const epochs = useTraining((s) => s.epochs);
  const loss = useMemo(() => {
    // x: fractional epoch, so a resumed run and the val mAP points share one axis.
    const x = steps.map((s) => s.epoch - 1 + s.step / s.steps);
    return { x, loc: steps.map((s) => s.loc), conf: steps.map((s) => s.conf) };
  }, [steps]);
  return (
    <Stack spacing={1} sx={{ flex: 1, minWidth: 0, p: 1.5, overflow: 'auto' }}>
      <Paper variant="outlined" sx={{ p: 1 }} data-testid="train-loss-chart">
        <Typography variant="subtitle2">
          Training loss ({steps.length} step{steps.length === 1 ? '' : 's'})
        </Typography>
        {steps.length === 0 ? (
          <Typography variant="body2" sx={{ color: 'text.secondary', py: 4 }}>
            The curves appear with the first step.
          </Typography>
        ) : (
          <LineChart
            height={220}
            xAxis={[{ data: loss.x, label: 'epoch', min: 0 }]}
            series={[
              { data: loss.loc, label: 'localisation', showMark: false },
              { data: loss.conf, label: 'confidence', showMark: false },
            ]}
            skipAnimation
          />
        )}
      </Paper>
      <Paper variant="outlined" sx={{ p: 1 }} data-testid="train-map-chart">
        <Typography variant="subtitle2">
          Val AP@0.5 per epoch ({epochs.length} epoch{epochs.length === 1 ? '' : 's'})
          {epochs.length > 0 &&
            ` · best ${epochs.at(-1)!.bestMap.toFixed(3)} at epoch ${epochs.at(-1)!.bestEpoch}`}
        </Typography>
        {epochs.length === 0 ? (
          <Typography variant="body2" sx={{ color: 'text.secondary', py: 4 }}>
            Each finished epoch is validated on the val split.
          </Typography>
        ) : (
          <LineChart
            height={200}
            xAxis={[{ data: epochs.map((e) => e.epoch), label: 'epoch', scaleType: 'point' }]}
            yAxis={[{ min: 0, max: 1 }]}
            series={[{ data: epochs.map((e) => e.valMap), label: 'val AP@0.5', showMark: true }]}
            skipAnimation
          />
        )}
      </Paper>
      <Summary />
      <RunLog />
    </Stack>
  );
}

function Summary(): React.JSX.Element | null {
  const model = useTraining((s) => s.model);
  const running = useTraining((s) => s.running);
  const comparison = useTraining((s) => s.comparison);
  const comparing = useTraining((s) => s.comparing);
  if (!model || running) return null;
  const ap = (v: number | null): string => (v === null ? '–' : v.toFixed(3));
  return (
    <Paper variant="outlined" sx={{ p: 1 }} data-testid="train-summary">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', gap: 1 }}>
        <Typography variant="body2" sx={{ flex: 1, minWidth: 200 }}>
          Model <b data-testid="train-model">{model}</b> is registered (in the model picker).
        </Typography>
        <Button
          variant="contained"
          onClick={() => void preAnnotateWith(model)}
          data-testid="train-preannotate"
        >
          Pre-annotate with it
        </Button>
        <Button
          variant="outlined"
          onClick={() => void compareTrained()}
          disabled={comparing}
          data-testid="train-compare"
        >
          {comparing ? 'Evaluating…' : 'Base vs trained on test'}
        </Button>
      </Stack>
      {comparison && (
        <Typography variant="body2" sx={{ mt: 1 }} data-testid="train-comparison">
          Test split ({comparison.images} images), AP@0.5: {comparison.base.model}{' '}
          <b>{ap(comparison.base.ap50)}</b> · {comparison.trained.model}{' '}
          <b>{ap(comparison.trained.ap50)}</b>
          {comparison.note ? ` (${comparison.note})` : ''}
        </Typography>
      )}
    </Paper>
  );
}

export default function TrainingPage(): React.JSX.Element {
  const error = useTraining((s) => s.error);
  return (
    <Dialog fullScreen open onClose={() => setTrainingOpen(false)} data-testid="training-page">
      <AppBar position="static" color="default" elevation={0}>
        <Toolbar variant="dense" sx={{ gap: 2 }}>
          <Typography variant="h6" sx={{ flex: 1 }}>
            Training
          </Typography>
          <Box sx={{ minWidth: 0, flex: '0 1 420px' }}>
            <Status />
          </Box>
          <IconButton
            onClick={() => setTrainingOpen(false)}
            aria-label="Close training"
            data-testid="training-close"
          >
            <Close />
          </IconButton>
        </Toolbar>
      </AppBar>
      {error && (
        <Alert severity="error" data-testid="train-error" sx={{ borderRadius: 0 }}>
          {error}
        </Alert>
      )}
      <Stack direction="row" sx={{ flex: 1, minHeight: 0 }}>
        <Paper square elevation={0} sx={{ borderRight: 1, borderColor: 'divider' }}>
          <Settings />
        </Paper>
        <Curves />
      </Stack>
    </Dialog>
  );
}
