import Assessment from '@mui/icons-material/Assessment';
import AutoAwesome from '@mui/icons-material/AutoAwesome';
import Collections from '@mui/icons-material/Collections';
import DarkMode from '@mui/icons-material/DarkMode';
import HelpOutline from '@mui/icons-material/HelpOutlineOutlined';
import LightMode from '@mui/icons-material/LightMode';
import Stop from '@mui/icons-material/Stop';
import {
  AppBar,
  Box,
  Button,
  IconButton,
  LinearProgress,
  MenuItem,
  Select,
  Slider,
  Stack,
  Toolbar,
  Tooltip,
  Typography,
} from '@mui/material';
import { cancelJob, detectBatch, detectCurrent, setModel } from '../actions/detect';
import { setJobsOpen } from '../actions/jobs';
import { setHelpOpen, setThreshold, toggleTheme } from '../actions/view';
import { toggleEvaluation } from '../evaluation/evaluationActions';
import { useEditor } from '../state/store';
import { OpenFolderButton } from './OpenFolderDialog';
import { AddModelDialog } from './AddModelDialog';
import { useState } from 'react';
import { formatCount, formatDuration } from '../format';
import { TrainButton } from '../training/TrainingEntry';

function blurActive(): void {
  if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
}

/** The picker's last entry: opens "Add model…" instead of choosing a model. */
const ADD_MODEL = '::add-model'; // no model name contains ':'

function ModelPicker(): React.JSX.Element {
  const models = useEditor((s) => s.appInfo?.models ?? []);
  const model = useEditor((s) => s.model);
  const [adding, setAdding] = useState(false);
  const ready = models.filter((m) => m.ready);
  const dialog = adding ? <AddModelDialog onClose={() => setAdding(false)} /> : null;
  if (ready.length === 0) {
    return (
      <Tooltip title="No model is built: run `npm run models` (or `shotbox models`), then reload">
        <Typography
          data-testid="no-model"
          variant="body2"
          sx={{ color: 'warning.main', fontWeight: 600, whiteSpace: 'nowrap' }}
        >
          No model
        </Typography>
      </Tooltip>
    );
  }
  return (
    <>
      <Select
        data-testid="model-picker"
        value={model ?? ''}
        onChange={(e) => {
          if (e.target.value === ADD_MODEL) setAdding(true);
          else setModel(e.target.value);
          blurActive();
        }}
        variant="outlined"
        sx={{ minWidth: 150, maxWidth: 240, fontSize: 13, '& .MuiSelect-select': { py: 0.5 } }}
        inputProps={{ 'aria-label': 'Model' }}
        // The closed picker shows the short name; the menu shows title, classes and input size.
        renderValue={(name) => (
          <Typography
            component="span"
            noWrap
            title={name}
            sx={{ fontSize: 13, fontFamily: 'monospace' }}
          >
            {name}
          </Typography>
        )}
      >
        {models.map((m) => (
          <MenuItem key={m.name} value={m.name} disabled={!m.ready}>
            <Stack>
              <span>{m.title ?? m.name}</span>
              <Typography variant="caption" sx={{ color: 'text.secondary' }}>
                {m.classes.join(', ')} · {m.inputWidth}×{m.inputHeight}
                {m.ready ? '' : ' · not built'}
                {m.source === 'user' ? ' · yours' : ''}
              </Typography>
            </Stack>
          </MenuItem>
        ))}
        <MenuItem value={ADD_MODEL} data-testid="add-model">
          Add model…
        </MenuItem>
      </Select>
      {dialog}
    </>
  );
}

function JobProgress(): React.JSX.Element | null {
  const job = useEditor((s) => s.job);
  if (!job) return null;
  const pct = job.total > 0 ? (100 * job.done) / job.total : 0;
  const eta = job.etaSeconds;
  return (
    <Stack
      data-testid="job-progress"
      direction="row"
      spacing={1}
      sx={{ alignItems: 'center', minWidth: 220, flex: '0 1 320px' }}
    >
      <Box sx={{ flex: 1, minWidth: 80 }}>
        <LinearProgress variant="determinate" value={pct} />
        <Typography variant="caption" sx={{ color: 'text.secondary', whiteSpace: 'nowrap' }}>
          {formatCount(job.done)} / {formatCount(job.total)}
          {job.rate ? ` · ${job.rate.toFixed(1)} img/s` : ''}
          {eta !== null ? ` · ${formatDuration(eta)} left` : ''}
          {job.failed ? ` · ${job.failed} failed` : ''}
        </Typography>
      </Box>
      <Tooltip title="Cancel detection (results so far are kept)">
        <span>
          <IconButton
            data-testid="cancel-job"
            onClick={() => void cancelJob()}
            disabled={job.cancelling}
            aria-label="Cancel detection"
          >
            <Stop fontSize="small" />
          </IconButton>
        </span>
      </Tooltip>
    </Stack>
  );
}

function ThresholdSlider(): React.JSX.Element {
  const threshold = useEditor((s) => s.threshold);
  return (
    <Tooltip title="Pending predictions scoring below this are hidden (and not accepted by Space)">
      <Stack direction="row" spacing={1.5} sx={{ alignItems: 'center', width: 210 }}>
        <Typography variant="caption" sx={{ whiteSpace: 'nowrap', color: 'text.secondary' }}>
          Score ≥ <b>{threshold.toFixed(2)}</b>
        </Typography>
        <Slider
          data-testid="threshold-slider"
          size="small"
          min={0}
          max={1}
          step={0.01}
          value={threshold}
          onChange={(_, v) => setThreshold(v)}
          aria-label="Score threshold"
        />
      </Stack>
    </Tooltip>
  );
}

export function TopBar(): React.JSX.Element {
  const project = useEditor((s) => s.project);
  const hasModel = useEditor((s) => s.model !== null);
  const hasImage = useEditor((s) => s.current !== null);
  const detecting = useEditor((s) => s.detecting);
  const job = useEditor((s) => s.job !== null);
  const selected = useEditor((s) => s.selectedImageIds.size);
  const total = useEditor((s) => s.total);
  const dark = useEditor((s) => s.themeMode === 'dark');
  const batchLabel =
    selected > 1
      ? `Detect selection (${formatCount(selected)})`
      : `Detect all (${formatCount(total ?? 0)})`;

  return (
    <AppBar
      position="static"
      color="default"
      elevation={0}
      sx={{ borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper' }}
    >
      <Toolbar variant="dense" sx={{ gap: 1.5, px: { xs: 1.5 } }}>
        <Stack
          direction="row"
          spacing={1}
          sx={{ alignItems: 'center', minWidth: 0, flexShrink: 1 }}
        >
          <Collections color="primary" fontSize="small" />
          <Typography
            variant="subtitle1"
            noWrap
            title={project?.file}
            sx={{ fontWeight: 700, maxWidth: 220 }}
            data-testid="project-name"
          >
            {project?.name ?? 'Shotbox'}
          </Typography>
          <OpenFolderButton />
        </Stack>
        <ModelPicker />
        <Tooltip title="Run the model on this image now (Ctrl+D)">
          <span>
            <Button
              data-testid="detect-image"
              variant="contained"
              startIcon={<AutoAwesome />}
              disabled={!hasModel || !hasImage || detecting}
              onClick={() => void detectCurrent()}
              sx={{ whiteSpace: 'nowrap' }}
            >
              {detecting ? 'Detecting…' : 'Detect image'}
            </Button>
          </span>
        </Tooltip>
        <Tooltip
          title={
            selected > 1
              ? 'Detect the selected images in the background'
              : 'Detect every image of the current filter in the background (Shift/Ctrl+click rows to pick some)'
          }
        >
          <span>
            <Button
              data-testid="detect-batch"
              variant="outlined"
              disabled={!hasModel || job || !total}
              onClick={() => void detectBatch()}
              sx={{ whiteSpace: 'nowrap' }}
            >
              {batchLabel}
            </Button>
          </span>
        </Tooltip>
        <JobProgress />
        <Tooltip title="Jobs: progress, failed files, resume; Detect folder…">
          <Button
            data-testid="jobs-button"
            variant="text"
            onClick={() => setJobsOpen(true)}
            disabled={!project}
            sx={{ whiteSpace: 'nowrap' }}
          >
            Jobs
          </Button>
        </Tooltip>
        <TrainButton />
        <Box sx={{ flex: 1 }} />
        <ThresholdSlider />
        <Tooltip title={dark ? 'Light theme' : 'Dark theme'}>
          <IconButton data-testid="theme-toggle" onClick={toggleTheme} aria-label="Toggle theme">
            {dark ? <LightMode fontSize="small" /> : <DarkMode fontSize="small" />}
          </IconButton>
        </Tooltip>
        <Tooltip title="Evaluation: score a model on the settled labels (E)">
          <span>
            <IconButton
              data-testid="evaluation-button"
              onClick={toggleEvaluation}
              disabled={!project}
              aria-label="Evaluation"
            >
              <Assessment fontSize="small" />
            </IconButton>
          </span>
        </Tooltip>
        <Tooltip title="Keyboard shortcuts (?)">
          <IconButton
            data-testid="help-button"
            onClick={() => setHelpOpen(true)}
            aria-label="Keyboard shortcuts"
          >
            <HelpOutline fontSize="small" />
          </IconButton>
        </Tooltip>
      </Toolbar>
    </AppBar>
  );
}
