/**
 * The Evaluation page: pick a model and a split, run an evaluate job (progress, cancel), and read
 * stored results — COCO and VOC numbers, per-class PR curves and AP, the error breakdown, the
 * false positives and misses (a click opens the image with the box highlighted) — with a second
 * result beside the first to compare (tables side by side, curves overlaid).
 */
import Delete from '@mui/icons-material/Delete';
import {
  Alert,
  AppBar,
  Box,
  Button,
  Dialog,
  IconButton,
  LinearProgress,
  List,
  ListItemButton,
  ListItemText,
  MenuItem,
  Paper,
  Select,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Toolbar,
  Tooltip,
  Typography,
} from '@mui/material';
import { LineChart } from '@mui/x-charts/LineChart';
import { useMemo } from 'react';
import type { EvaluationRecord, StoredEvaluation } from '../../../shared/eval/storedEvaluation';
import { SPLITS } from '../../../shared/project/splits';
import { useEditor } from '../state/store';
import {
  cancelEvaluation,
  compareWith,
  deleteEvaluation,
  kindLabel,
  openRecord,
  runEvaluation,
  selectEvaluation,
  setEvaluationModel,
  setEvaluationOpen,
  setEvaluationSplit,
} from './evaluationActions';
import { useEvaluation } from './evaluationStore';

/** How many false positives and misses the page lists (the counts cover all of them). */
const ROWS_SHOWN = 100;

const fmt = (v: number): string => (v < 0 ? '—' : v.toFixed(3));

function title(e: StoredEvaluation): string {
  return `#${e.id} ${e.model} · ${e.split ?? 'all settled'}`;
}

const METRICS: [string, (e: StoredEvaluation) => number][] = [
  ['COCO AP .50:.95', (e) => e.summary.coco.AP],
  ['AP50', (e) => e.summary.coco.AP50],
  ['AP75', (e) => e.summary.coco.AP75],
  ['AP small', (e) => e.summary.coco.APs],
  ['AP medium', (e) => e.summary.coco.APm],
  ['AP large', (e) => e.summary.coco.APl],
  ['AR100', (e) => e.summary.coco.AR100],
  ['VOC mAP (11-point)', (e) => e.summary.voc.mAP11],
  ['VOC mAP (all points)', (e) => e.summary.voc.mAPAll],
];

const KINDS = [
  ['correct', 'correct'],
  ['localisation', 'localisation'],
  ['duplicate', 'duplicate'],
  ['wrongClass', 'wrong class'],
  ['background', 'background'],
  ['ignored', 'on crowd/difficult'],
  ['missed', 'missed ground truth'],
] as const;

function Section({
  heading,
  children,
  testId,
}: {
  heading: string;
  children: React.ReactNode;
  testId?: string;
}): React.JSX.Element {
  return (
    <Paper variant="outlined" sx={{ p: 1, minWidth: 0 }} data-testid={testId}>
      <Typography variant="subtitle2" gutterBottom>
        {heading}
      </Typography>
      {/* Narrow windows scroll a wide table inside its section, not the page. */}
      <Box sx={{ overflowX: 'auto', '& th, & td': { px: 1 } }}>{children}</Box>
    </Paper>
  );
}

/** COCO/VOC numbers of one or two results, a column each. */
function MetricsTable({ results }: { results: StoredEvaluation[] }): React.JSX.Element {
  return (
    <Table size="small" data-testid="eval-ap-table">
      <TableHead>
        <TableRow>
          <TableCell>metric</TableCell>
          {results.map((r) => (
            <TableCell key={r.id} align="right" title={title(r)}>
              #{r.id} · {r.split ?? 'all'}
            </TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {METRICS.map(([name, get]) => (
          <TableRow key={name}>
            <TableCell>{name}</TableCell>
            {results.map((r) => (
              <TableCell key={r.id} align="right" data-testid={`metric-${name}`}>
                {fmt(get(r))}
              </TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function ClassTable({ result }: { result: StoredEvaluation }): React.JSX.Element {
  return (
    <Table size="small" data-testid="eval-class-table">
      <TableHead>
        <TableRow>
          <TableCell>class</TableCell>
          <TableCell align="right">COCO AP</TableCell>
          <TableCell align="right">VOC07 AP</TableCell>
          <TableCell align="right">VOC AP</TableCell>
          <TableCell align="right">GT</TableCell>
          <TableCell align="right">dets</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {result.classes.map((c) => (
          <TableRow key={c.categoryId} data-testid={`eval-class-${c.name}`}>
            <TableCell>{c.name}</TableCell>
            <TableCell align="right">{fmt(c.cocoAP)}</TableCell>
            <TableCell align="right">{fmt(c.ap11)}</TableCell>
            <TableCell align="right">{fmt(c.apAll)}</TableCell>
            <TableCell align="right">{c.npos}</TableCell>
            <TableCell align="right">{c.ndet}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** COCO's interpolated precision over recall at IoU 0.5, per class, both results overlaid. */
function PrChart({ results }: { results: StoredEvaluation[] }): React.JSX.Element {
  const recall = results[0]!.recallThresholds;
  const series = results.flatMap((r, k) =>
    r.classes
      .filter((c) => c.npos > 0)
      .map((c) => ({
        id: `${r.id}-${c.categoryId}`,
        label: `${results.length > 1 ? `#${r.id} ` : ''}${c.name}`,
        data: c.pr50.map((p) => (p < 0 ? null : p)),
        showMark: false,
        curve: k === 0 ? ('linear' as const) : ('stepAfter' as const),
      })),
  );
  if (series.length === 0)
    return <Typography variant="body2">No class has ground truth: no curve to draw.</Typography>;
  return (
    <Box data-testid="eval-pr-chart" sx={{ width: '100%', minWidth: 0 }}>
      <LineChart
        height={260}
        xAxis={[{ data: recall, min: 0, max: 1, label: 'recall' }]}
        yAxis={[{ min: 0, max: 1, label: 'precision' }]}
        series={series}
        skipAnimation
      />
    </Box>
  );
}

function ErrorTable({ results }: { results: StoredEvaluation[] }): React.JSX.Element {
  return (
    <Table size="small" data-testid="eval-error-table">
      <TableHead>
        <TableRow>
          <TableCell>detections</TableCell>
          {results.map((r) => (
            <TableCell key={r.id} align="right">
              #{r.id}
            </TableCell>
          ))}
        </TableRow>
      </TableHead>
      <TableBody>
        {KINDS.map(([key, name]) => (
          <TableRow key={key}>
            <TableCell>{name}</TableCell>
            {results.map((r) => (
              <TableCell key={r.id} align="right">
                {r.errorCounts[key]}
              </TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function RecordTable({
  records,
  total,
  testId,
  scored,
}: {
  records: EvaluationRecord[];
  total: number;
  testId: string;
  scored: boolean;
}): React.JSX.Element {
  return (
    <>
      <Box sx={{ maxHeight: 300, overflow: 'auto' }}>
        <Table size="small" stickyHeader>
          <TableHead>
            <TableRow>
              <TableCell>image</TableCell>
              <TableCell>class</TableCell>
              {scored && <TableCell>kind</TableCell>}
              {scored && <TableCell align="right">score</TableCell>}
              {scored && <TableCell align="right">IoU</TableCell>}
              <TableCell>box</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {records.slice(0, ROWS_SHOWN).map((r, i) => (
              <TableRow
                key={i}
                hover
                sx={{ cursor: 'pointer' }}
                onClick={() => void openRecord(r)}
                data-testid={`${testId}-row`}
              >
                <TableCell sx={{ wordBreak: 'break-all' }}>{r.image}</TableCell>
                <TableCell>{r.className}</TableCell>
                {scored && <TableCell>{kindLabel(r.kind)}</TableCell>}
                {scored && <TableCell align="right">{r.score?.toFixed(3)}</TableCell>}
                {scored && <TableCell align="right">{r.iou?.toFixed(2)}</TableCell>}
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  {[r.box.x1, r.box.y1, r.box.x2, r.box.y2].map((v) => Math.round(v)).join(', ')}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      <Typography variant="caption" sx={{ color: 'text.secondary' }}>
        {total > Math.min(records.length, ROWS_SHOWN)
          ? `${Math.min(records.length, ROWS_SHOWN)} of ${total} shown`
          : `${total} in all`}
      </Typography>
    </>
  );
}

function Results({ results }: { results: StoredEvaluation[] }): React.JSX.Element {
  const first = results[0]!;
  return (
    <Stack spacing={1.5} sx={{ minWidth: 0 }}>
      <Typography variant="body2" data-testid="eval-headline">
        {results
          .map(
            (r) =>
              `${title(r)}: ${r.images} images, ${r.groundTruth} ground-truth boxes, ${r.detections} detections (${new Date(r.createdAt).toLocaleString()})`,
          )
          .join(' — ')}
      </Typography>
      <Box
        sx={{
          display: 'grid',
          gap: 1.5,
          gridTemplateColumns: { xs: '1fr', md: 'minmax(0, 2fr) minmax(0, 3fr)' },
        }}
      >
        <Section heading="COCO and VOC">
          <MetricsTable results={results} />
        </Section>
        <Section heading="Precision × recall per class (COCO, IoU 0.5)">
          <PrChart results={results} />
        </Section>
      </Box>
      <Stack direction="row" sx={{ gap: 1.5, flexWrap: 'wrap' }}>
        {results.map((r) => (
          <Box key={r.id} sx={{ flex: '1 1 320px', minWidth: 0 }}>
            <Section heading={`Per class — ${title(r)}`}>
              <ClassTable result={r} />
            </Section>
          </Box>
        ))}
        <Box sx={{ flex: '0 1 260px', minWidth: 0 }}>
          <Section heading="Error breakdown">
            <ErrorTable results={results} />
          </Section>
        </Box>
      </Stack>
      <Box
        sx={{
          display: 'grid',
          gap: 1.5,
          gridTemplateColumns: { xs: '1fr', md: 'minmax(0, 3fr) minmax(0, 2fr)' },
        }}
      >
        <Section
          heading={`False positives — ${title(first)} (click: open the image)`}
          testId="eval-fps"
        >
          <RecordTable
            records={first.falsePositives}
            total={first.falsePositiveTotal}
            testId="eval-fp"
            scored
          />
        </Section>
        <Section heading="Missed boxes" testId="eval-misses">
          <RecordTable
            records={first.misses}
            total={first.missTotal}
            testId="eval-miss"
            scored={false}
          />
        </Section>
      </Box>
    </Stack>
  );
}

function RunControls(): React.JSX.Element {
  const allModels = useEditor((s) => s.appInfo?.models);
  const models = useMemo(() => (allModels ?? []).filter((m) => m.ready), [allModels]);
  const workbenchModel = useEditor((s) => s.model);
  const model = useEvaluation((s) => s.model) ?? workbenchModel ?? models[0]?.name ?? '';
  const split = useEvaluation((s) => s.split);
  const run = useEvaluation((s) => s.run);
  return (
    <>
      <Select
        size="small"
        value={model}
        onChange={(e) => setEvaluationModel(e.target.value)}
        data-testid="eval-model"
        sx={{ minWidth: 160 }}
        disabled={run !== null}
      >
        {models.map((m) => (
          <MenuItem key={m.name} value={m.name}>
            {m.title ?? m.name}
          </MenuItem>
        ))}
      </Select>
      <Select
        size="small"
        value={split}
        onChange={(e) => setEvaluationSplit(e.target.value as typeof split)}
        data-testid="eval-split"
        disabled={run !== null}
      >
        <MenuItem value="all">all settled images</MenuItem>
        {SPLITS.map((s) => (
          <MenuItem key={s} value={s}>
            {s} split
          </MenuItem>
        ))}
      </Select>
      {run ? (
        <Button
          variant="outlined"
          color="warning"
          onClick={() => void cancelEvaluation()}
          disabled={run.cancelling}
          data-testid="eval-cancel"
        >
          {run.cancelling ? 'Cancelling…' : 'Cancel'}
        </Button>
      ) : (
        <Button
          variant="contained"
          onClick={() => void runEvaluation()}
          disabled={!model}
          data-testid="eval-run"
        >
          Evaluate
        </Button>
      )}
    </>
  );
}

function RunProgress(): React.JSX.Element | null {
  const run = useEvaluation((s) => s.run);
  if (!run) return null;
  const pct = run.total > 0 ? (100 * run.done) / run.total : 0;
  return (
    <Box sx={{ px: 2, pb: 1 }} data-testid="eval-progress">
      <LinearProgress variant={run.total > 0 ? 'determinate' : 'indeterminate'} value={pct} />
      <Typography variant="caption">
        {run.done} / {run.total || '…'} images
        {run.rate ? ` · ${run.rate.toFixed(1)} images/s` : ''}
        {run.etaSeconds !== null ? ` · ${Math.ceil(run.etaSeconds)} s left` : ''}
      </Typography>
    </Box>
  );
}

function StoredList(): React.JSX.Element {
  const list = useEvaluation((s) => s.list);
  const selectedId = useEvaluation((s) => s.selectedId);
  if (list === null) return <LinearProgress />;
  if (list.length === 0)
    return (
      <Typography variant="body2" sx={{ p: 1.5, color: 'text.secondary' }}>
        No stored evaluation yet: pick a model and a split, then Evaluate.
      </Typography>
    );
  return (
    <List dense data-testid="eval-list" sx={{ py: 0 }}>
      {list.map((e) => (
        <ListItemButton
          key={e.id}
          selected={e.id === selectedId}
          onClick={() => void selectEvaluation(e.id)}
          data-testid={`eval-item-${e.id}`}
        >
          <ListItemText
            primary={`#${e.id} ${e.model}`}
            secondary={`${e.split ?? 'all'} · ${e.images} img · AP50 ${fmt(e.AP50)} · ${new Date(e.createdAt).toLocaleString()}`}
            slotProps={{ primary: { noWrap: true }, secondary: { noWrap: true } }}
          />
          <Tooltip title="Delete this result (it can be run again)">
            <IconButton
              size="small"
              edge="end"
              aria-label="delete result"
              onClick={(ev) => {
                ev.stopPropagation();
                void deleteEvaluation(e.id);
              }}
            >
              <Delete fontSize="small" />
            </IconButton>
          </Tooltip>
        </ListItemButton>
      ))}
    </List>
  );
}

function CompareSelect(): React.JSX.Element | null {
  const list = useEvaluation((s) => s.list) ?? [];
  const selectedId = useEvaluation((s) => s.selectedId);
  const compareId = useEvaluation((s) => s.compareId);
  const others = list.filter((e) => e.id !== selectedId);
  if (others.length === 0) return null;
  return (
    <Select
      size="small"
      value={compareId ?? 0}
      onChange={(e) => void compareWith(Number(e.target.value) || null)}
      data-testid="eval-compare"
      sx={{ m: 1, width: 'calc(100% - 16px)' }}
    >
      <MenuItem value={0}>compare with…</MenuItem>
      {others.map((e) => (
        <MenuItem key={e.id} value={e.id}>
          #{e.id} {e.model} · {e.split ?? 'all'}
        </MenuItem>
      ))}
    </Select>
  );
}

export default function EvaluationPage(): React.JSX.Element {
  const selected = useEvaluation((s) => (s.selectedId !== null ? s.details[s.selectedId] : null));
  const compare = useEvaluation((s) => (s.compareId !== null ? s.details[s.compareId] : null));
  const error = useEvaluation((s) => s.error);
  const results = [selected, compare].filter((r): r is StoredEvaluation => !!r);
  return (
    <Dialog fullScreen open onClose={() => setEvaluationOpen(false)} data-testid="evaluation-page">
      <AppBar position="static" color="default" elevation={0}>
        <Toolbar variant="dense" sx={{ gap: 1.5 }}>
          <Typography variant="h6" sx={{ flex: 1 }}>
            Evaluation
          </Typography>
          <RunControls />
          <Button onClick={() => setEvaluationOpen(false)} data-testid="eval-close">
            Close
          </Button>
        </Toolbar>
        <RunProgress />
      </AppBar>
      <Stack direction="row" sx={{ flex: 1, minHeight: 0 }}>
        <Paper
          square
          elevation={0}
          sx={{
            width: 240,
            flexShrink: 0,
            borderRight: 1,
            borderColor: 'divider',
            overflow: 'auto',
          }}
        >
          <CompareSelect />
          <StoredList />
        </Paper>
        <Box sx={{ flex: 1, minWidth: 0, p: 1.5, overflow: 'auto' }}>
          {error && (
            <Alert severity="error" sx={{ mb: 1 }} data-testid="eval-error">
              {error}
            </Alert>
          )}
          {results.length > 0 && <Results results={results} />}
        </Box>
      </Stack>
    </Dialog>
  );
}
