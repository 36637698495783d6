import {
  Alert,
  Box,
  Button,
  Checkbox,
  Dialog,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  LinearProgress,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { isResumable, type JobRecord } from '../../../shared/jobs/types';
import {
  cancelJobById,
  detectFolder,
  loadJobFailures,
  pauseJob,
  resumeJob,
  setJobsOpen,
} from '../actions/jobs';
import { formatCount, formatDuration } from '../format';
import { useEditor } from '../state/store';

/** One job: progress (rate and ETA while it runs), its outcome, its failed files on demand. */
/** What a job works on: a detect job's folders, a training job's model name. */
function jobSubject(job: JobRecord): string {
  const p = job.params;
  if ('name' in p) return ` ${p.name}`;
  if (job.kind === 'evaluate' || !('inputs' in p)) {
    const e = p as { model?: string; split?: string };
    return ` ${e.model ?? 'default model'} on ${e.split ?? 'all settled'}`;
  }
  return p.inputs?.length ? ` ${p.inputs.join(', ') || '(all)'}` : '';
}

function JobRow({ job }: { job: JobRecord }): React.JSX.Element {
  const live = useEditor((s) => (s.job?.jobId === String(job.id) ? s.job : null));
  const failures = useEditor((s) => s.jobFailures[job.id]);
  const done = live?.done ?? job.done;
  const total = live?.total ?? job.total;
  const failed = live?.failed ?? job.failed;
  const running = job.state === 'running';
  return (
    <Box data-testid={`job-${job.id}`} sx={{ py: 1, borderBottom: 1, borderColor: 'divider' }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Job {job.id} · {job.kind}
          {jobSubject(job)} · <span data-testid="job-state">{job.state}</span>
        </Typography>
        {running && (
          <Button size="small" onClick={() => void pauseJob(job.id)} data-testid="job-pause">
            Pause
          </Button>
        )}
        {isResumable(job.state) && (
          <Button
            size="small"
            variant="contained"
            onClick={() => void resumeJob(job.id)}
            data-testid="job-resume"
          >
            Resume
          </Button>
        )}
        {(running || isResumable(job.state)) && (
          <Button size="small" onClick={() => void cancelJobById(job.id)} data-testid="job-cancel">
            Cancel
          </Button>
        )}
      </Stack>
      <LinearProgress
        variant="determinate"
        value={total > 0 ? (100 * done) / total : 0}
        sx={{ my: 0.5 }}
      />
      <Typography
        variant="caption"
        sx={{ color: 'text.secondary' }}
        data-testid="job-progress-text"
      >
        {live?.phase === 'import' ? 'importing · ' : ''}
        {formatCount(done)} / {formatCount(total)}
        {live?.rate ? ` · ${live.rate.toFixed(1)} img/s` : ''}
        {live?.etaSeconds != null ? ` · ${formatDuration(live.etaSeconds)} left` : ''}
        {job.message && !live ? ` · ${job.message}` : ''}
      </Typography>
      {failed > 0 && (
        <Box>
          {failures ? (
            <Box component="ul" sx={{ m: 0, pl: 2 }} data-testid="job-failures">
              {failures.map((f) => (
                <Typography component="li" variant="caption" key={f.file}>
                  <b>{f.file}</b>: {f.reason}
                </Typography>
              ))}
            </Box>
          ) : (
            <Button
              size="small"
              color="warning"
              onClick={() => void loadJobFailures(job.id)}
              data-testid="job-show-failures"
            >
              {failed} failed file{failed === 1 ? '' : 's'}…
            </Button>
          )}
        </Box>
      )}
    </Box>
  );
}

function DetectFolderForm(): React.JSX.Element {
  const root = useEditor((s) => s.project?.imageRoot ?? '');
  const busy = useEditor((s) => s.job !== null);
  const [folder, setFolder] = useState('');
  const [includeReviewed, setIncludeReviewed] = useState(false);
  return (
    <Stack
      component="form"
      direction="row"
      spacing={1}
      sx={{ alignItems: 'center', mb: 1 }}
      onSubmit={(e) => {
        e.preventDefault();
        void detectFolder(folder.trim() || '.', includeReviewed);
      }}
    >
      <TextField
        size="small"
        label="Detect folder…"
        placeholder={`a folder under ${root}`}
        value={folder}
        onChange={(e) => setFolder(e.target.value)}
        sx={{ flex: 1 }}
        slotProps={{ htmlInput: { 'data-testid': 'detect-folder-input' } }}
      />
      <FormControlLabel
        control={
          <Checkbox
            size="small"
            checked={includeReviewed}
            onChange={(e) => setIncludeReviewed(e.target.checked)}
          />
        }
        label="include reviewed"
      />
      <Button type="submit" variant="contained" disabled={busy} data-testid="detect-folder">
        Import and detect
      </Button>
    </Stack>
  );
}

/** The jobs panel: every job of the project, with progress, rate, ETA, cancel and failed files. */
export function JobsPanel(): React.JSX.Element {
  const open = useEditor((s) => s.jobsOpen);
  const jobs = useEditor((s) => s.jobs);
  return (
    <Dialog open={open} onClose={() => setJobsOpen(false)} maxWidth="md" fullWidth>
      <DialogTitle>Jobs</DialogTitle>
      <DialogContent data-testid="jobs-panel">
        <DetectFolderForm />
        {jobs.length === 0 ? (
          <Typography variant="body2" sx={{ color: 'text.secondary' }}>
            No jobs yet.
          </Typography>
        ) : (
          jobs.map((j) => <JobRow key={j.id} job={j} />)
        )}
      </DialogContent>
    </Dialog>
  );
}

/** After a restart or a kill: offers to continue the jobs that did not finish. */
export function JobsBanner(): React.JSX.Element | null {
  // Select the stored array (a filtered copy per call would re-render without end).
  const jobs = useEditor((s) => s.jobs);
  const stopped = jobs.filter((j) => isResumable(j.state));
  const running = useEditor((s) => s.job !== null);
  const first = stopped[0];
  if (!first || running) return null;
  return (
    <Alert
      severity="info"
      data-testid="jobs-banner"
      action={
        <Stack direction="row" spacing={1}>
          <Button size="small" onClick={() => void resumeJob(first.id)} data-testid="banner-resume">
            Resume
          </Button>
          <Button size="small" onClick={() => setJobsOpen(true)}>
            Jobs…
          </Button>
        </Stack>
      }
    >
      {first.kind === 'detect' ? 'Detection' : first.kind} job {first.id} was {first.state} at{' '}
      {formatCount(first.done)} of {formatCount(first.total)} images
      {stopped.length > 1 ? ` (and ${stopped.length - 1} more)` : ''}.
    </Alert>
  );
}
