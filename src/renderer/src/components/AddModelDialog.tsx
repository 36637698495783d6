import ArrowUpward from '@mui/icons-material/ArrowUpward';
import Folder from '@mui/icons-material/FolderOutlined';
import Memory from '@mui/icons-material/MemoryOutlined';
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  List,
  ListItem,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  MenuItem,
  Select,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import type { FolderListing } from '../../../shared/api/contract';
import type { ModelInspection } from '../../../shared/api/modelsContract';
import {
  addModel,
  inspectModel,
  parseClassLines,
  removeModel,
  type ModelFields,
} from '../actions/models';
import { api } from '../api';
import { useEditor } from '../state/store';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Browser mode's file picker for models: the `--root` folders, their sub-folders and `.onnx`
 * files (the backend checks the chosen path against the roots again).
 */
function RootModelBrowser({ onPick }: { onPick: (file: string) => void }): React.JSX.Element {
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = useCallback((folder?: string) => {
    setError(null);
    api
      .listFolder(folder === undefined ? { models: true } : { path: folder, models: true })
      .then(setListing)
      .catch((e: unknown) => setError(message(e)));
  }, []);
  useEffect(() => {
    api
      .listFolder({ models: true })
      .then(setListing)
      .catch((e: unknown) => setError(message(e)));
  }, []);
  if (listing && listing.roots.length === 0) {
    return (
      <Typography variant="body2" data-testid="no-model-roots">
        No files can be opened from this page. Start browser mode with{' '}
        <code>shotbox serve --root &lt;folder&gt;</code>, or add the model with{' '}
        <code>shotbox models add file.onnx</code>.
      </Typography>
    );
  }
  const folder = listing?.folder ?? null;
  return (
    <Box>
      {folder && (
        <Typography variant="caption" sx={{ color: 'text.secondary', wordBreak: 'break-all' }}>
          {folder}
        </Typography>
      )}
      <List dense sx={{ maxHeight: 260, overflow: 'auto' }}>
        {folder && (
          <ListItemButton
            onClick={() => show(listing?.parent ?? undefined)}
            data-testid="model-folder-up"
          >
            <ListItemIcon>
              <ArrowUpward fontSize="small" />
            </ListItemIcon>
            <ListItemText primary={listing?.parent ? '..' : 'All roots'} />
          </ListItemButton>
        )}
        {listing?.entries.map((e) => (
          <ListItemButton
            key={e.path}
            data-testid={`model-entry-${e.name}`}
            onClick={() => (e.kind === 'folder' ? show(e.path) : onPick(e.path))}
          >
            <ListItemIcon>
              {e.kind === 'folder' ? <Folder fontSize="small" /> : <Memory fontSize="small" />}
            </ListItemIcon>
            <ListItemText primary={e.name} secondary={e.kind === 'model' ? 'ONNX model' : null} />
          </ListItemButton>
        ))}
      </List>
      {error && <Alert severity="error">{error}</Alert>}
    </Box>
  );
}

/** What the backend inferred, what it still needs, and the test run. */
function InspectionReport({ inspection }: { inspection: ModelInspection }): React.JSX.Element {
  const { input, output, priorCheck, testRun } = inspection;
  const rows: [string, string][] = [];
  if (input) {
    rows.push([
      'Input',
      `'${input.name}' ${input.width ?? '?'}×${input.height ?? '?'} ${input.layout.toUpperCase()}`,
    ]);
  }
  if (output?.kind === 'raw') {
    rows.push(['Outputs', `raw: '${output.boxes}' [1, P, 4] + '${output.scores}' [1, P, C]`]);
    rows.push(['Priors', output.priors === null ? 'dynamic' : String(output.priors)]);
    rows.push(['Score columns', output.columns === null ? 'dynamic' : String(output.columns)]);
  } else if (output) {
    rows.push([
      'Outputs',
      `decoded: '${output.boxes}', '${output.scores}', '${output.labels}'` +
        (output.count ? `, '${output.count}'` : ''),
    ]);
  }
  if (inspection.classCount !== null) rows.push(['Classes', String(inspection.classCount)]);
  if (priorCheck) {
    rows.push([
      'Prior check',
      priorCheck.agrees
        ? `${priorCheck.fromGraph} = ${priorCheck.configSource}`
        : `${priorCheck.fromGraph} ≠ ${priorCheck.fromConfig} (${priorCheck.configSource})`,
    ]);
  }
  return (
    <Stack spacing={1} data-testid="model-inspection">
      <Box
        component="table"
        sx={{ fontSize: 13, '& td': { py: 0.25, pr: 2, verticalAlign: 'top' } }}
      >
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k} data-testid={`inferred-${k.toLowerCase().replace(/\s+/g, '-')}`}>
              <td>
                <b>{k}</b>
              </td>
              <td style={{ fontFamily: 'monospace' }}>{v}</td>
            </tr>
          ))}
        </tbody>
      </Box>
      {inspection.problems.map((p) => (
        <Alert key={p} severity="error" data-testid="model-problem">
          {p}
        </Alert>
      ))}
      {inspection.needs.length > 0 && (
        <Alert severity="info" data-testid="model-needs">
          Still needed:
          <ul style={{ margin: 0, paddingLeft: 18 }}>
            {inspection.needs.map((n) => (
              <li key={n.field}>
                <b>{n.field}</b>: {n.message}
              </li>
            ))}
          </ul>
        </Alert>
      )}
      {testRun && (
        <Alert severity={testRun.ok ? 'success' : 'error'} data-testid="model-test-run">
          {testRun.ok
            ? `Test run: ${testRun.detections} detections` +
              (testRun.top[0]
                ? `, best ${testRun.top[0].label} ${testRun.top[0].score.toFixed(3)}`
                : '') +
              ` (${Math.round(testRun.milliseconds)} ms)`
            : `Test run failed: ${testRun.error ?? ''}`}
        </Alert>
      )}
    </Stack>
  );
}

/** The models the user added, each removable. */
function UserModels(): React.JSX.Element | null {
  const models = useEditor((s) => s.appInfo?.models ?? []).filter((m) => m.source === 'user');
  const current = useEditor((s) => s.model);
  const [error, setError] = useState<string | null>(null);
  if (models.length === 0) return null;
  return (
    <Box>
      <Typography variant="subtitle2">Your models</Typography>
      <List dense>
        {models.map((m) => (
          <ListItem
            key={m.name}
            data-testid={`user-model-${m.name}`}
            secondaryAction={
              <Button
                size="small"
                color="error"
                data-testid={`remove-model-${m.name}`}
                onClick={() =>
                  removeModel(m.name, current).catch((e: unknown) => setError(message(e)))
                }
              >
                Remove
              </Button>
            }
          >
            <ListItemText
              primary={m.name}
              secondary={`${m.classes.join(', ')} · ${m.inputWidth}×${m.inputHeight}`}
            />
          </ListItem>
        ))}
      </List>
      {error && <Alert severity="error">{error}</Alert>}
    </Box>
  );
}

/**
 * "Add model…": choose an ONNX file (browser mode: under `--root`; Electron: the native dialog),
 * see what the backend inferred from the graph, give the preset, classes and whatever else it
 * asks for, see the test run, and add it. Nothing is decided here: every check is the backend's.
 */
export function AddModelDialog({ onClose }: { onClose: () => void }): React.JSX.Element {
  const shell = useEditor((s) => s.appInfo?.shell);
  const [file, setFile] = useState<string | null>(null);
  const [preset, setPreset] = useState('');
  const [classes, setClasses] = useState('');
  const [name, setName] = useState('');
  const [size, setSize] = useState('');
  const [inspection, setInspection] = useState<ModelInspection | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<string | null>(null);

  const fields = (chosen: string): ModelFields => {
    const names = parseClassLines(classes);
    const m = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(size.trim());
    return {
      file: chosen,
      ...(preset ? { preset: preset as ModelFields['preset'] } : {}),
      ...(names.length ? { classes: names } : {}),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(m ? { inputSize: { width: Number(m[1]), height: Number(m[2]) } } : {}),
    };
  };
  const inspect = (chosen: string): void => {
    setBusy(true);
    setError(null);
    inspectModel(fields(chosen))
      .then((r) => {
        setInspection(r);
        if (!name.trim()) setName(r.name);
      })
      .catch((e: unknown) => setError(message(e)))
      .finally(() => setBusy(false));
  };
  const pick = (chosen: string): void => {
    setFile(chosen);
    setInspection(null);
    inspect(chosen);
  };
  const chooseNative = (): void => {
    api
      .chooseModelFile({})
      .then((r) => r.file && pick(r.file))
      .catch((e: unknown) => setError(message(e)));
  };
  const add = (): void => {
    if (!file) return;
    setBusy(true);
    setError(null);
    addModel(fields(file))
      .then((r) => {
        setInspection(r);
        if (r.registered) setAdded(r.registered);
      })
      .catch((e: unknown) => setError(message(e)))
      .finally(() => setBusy(false));
  };
  const ready =
    inspection !== null &&
    inspection.needs.length === 0 &&
    inspection.problems.length === 0 &&
    inspection.testRun?.ok === true;

  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="md" data-testid="add-model-dialog">
      <DialogTitle>Add model</DialogTitle>
      <DialogContent dividers>
        <Stack spacing={2}>
          <UserModels />
          {!file &&
            (shell === 'electron' ? (
              <Button variant="outlined" onClick={chooseNative} data-testid="choose-model-file">
                Choose an ONNX file…
              </Button>
            ) : (
              <RootModelBrowser onPick={pick} />
            ))}
          {file && (
            <>
              <Typography variant="body2" sx={{ wordBreak: 'break-all' }} data-testid="model-file">
                {file}{' '}
                <Button size="small" onClick={() => setFile(null)} disabled={busy}>
                  Change
                </Button>
              </Typography>
              {inspection && <InspectionReport inspection={inspection} />}
              <Stack direction="row" spacing={2}>
                <Select
                  size="small"
                  displayEmpty
                  value={preset}
                  onChange={(e) => setPreset(e.target.value)}
                  sx={{ minWidth: 220 }}
                  data-testid="model-preset"
                  inputProps={{ 'aria-label': 'Preset' }}
                  renderValue={(v) => (v ? v : 'no preset')}
                >
                  <MenuItem value="">no preset</MenuItem>
                  {(inspection?.presets ?? []).map((p) => (
                    <MenuItem key={p} value={p} data-testid={`preset-${p}`}>
                      {p}
                    </MenuItem>
                  ))}
                </Select>
                <TextField
                  label="Name"
                  size="small"
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  slotProps={{ htmlInput: { 'data-testid': 'model-name' } }}
                />
                <TextField
                  label="Input size (dynamic graphs)"
                  placeholder="300x300"
                  size="small"
                  value={size}
                  onChange={(e) => setSize(e.target.value)}
                  slotProps={{ htmlInput: { 'data-testid': 'model-input-size' } }}
                />
              </Stack>
              <TextField
                label="Classes, one per line (score-column order)"
                multiline
                minRows={3}
                maxRows={8}
                value={classes}
                onChange={(e) => setClasses(e.target.value)}
                slotProps={{ htmlInput: { 'data-testid': 'model-classes' } }}
              />
            </>
          )}
          {added && (
            <Alert severity="success" data-testid="model-added">
              Added '{added}': it is in the model picker now.
            </Alert>
          )}
          {error && (
            <Alert severity="error" data-testid="add-model-error">
              {error}
            </Alert>
          )}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{added ? 'Close' : 'Cancel'}</Button>
        <Button
          disabled={!file || busy}
          onClick={() => file && inspect(file)}
          data-testid="model-test"
        >
          {busy ? 'Working…' : 'Inspect and test-run'}
        </Button>
        <Button
          variant="contained"
          disabled={!ready || busy || added !== null}
          onClick={add}
          data-testid="model-add"
        >
          Add
        </Button>
      </DialogActions>
    </Dialog>
  );
}
