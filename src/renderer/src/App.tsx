import {
  Alert,
  AppBar,
  Box,
  Button,
  CssBaseline,
  Paper,
  Skeleton,
  Stack,
  Tab,
  Tabs,
  ThemeProvider,
  Toolbar,
  Typography,
} from '@mui/material';
import { useEffect, useMemo, useState } from 'react';
import { boot } from './actions/boot';
import { BoxList } from './components/BoxList';
import { CanvasPane } from './components/CanvasPane';
import { ClassNamePrompt } from './components/ClassNamePrompt';
import { ClassManager } from './components/ClassManager';
import { ImageList } from './components/ImageList';
import { OpenFolderButton } from './components/OpenFolderDialog';
import { ReadOnlyBanner } from './components/ReadOnlyBanner';
import { ShortcutSheet } from './components/ShortcutSheet';
import { StatusBar } from './components/StatusBar';
import { TopBar } from './components/TopBar';
import { JobsBanner, JobsPanel } from './components/JobsPanel';
import { installKeymap } from './keymap';
import { installLensSync } from './lens/lensActions';
import { LensPage } from './lens/LensPage';
import { EvaluationEntry } from './evaluation/EvaluationEntry';
import { TrainingMount } from './training/TrainingEntry';
import { useEditor } from './state/store';
import { buildTheme } from './theme';

// The side panels give way on narrow windows (1024 px: 240 + 270, leaving the canvas and its
// toolbar about 510 px) and keep their size from about 1250 px up.
const LEFT_WIDTH = 'clamp(200px, 23.5vw, 300px)';
const RIGHT_WIDTH = 'clamp(240px, 26.5vw, 340px)';

function RightPanel(): React.JSX.Element {
  const [tab, setTab] = useState<'boxes' | 'classes'>('boxes');
  const classCount = useEditor((s) => s.classes.length);
  return (
    <Stack sx={{ height: '100%', minHeight: 0 }}>
      <Tabs
        value={tab}
        onChange={(_, v: 'boxes' | 'classes') => setTab(v)}
        variant="fullWidth"
        sx={{ borderBottom: 1, borderColor: 'divider' }}
      >
        <Tab value="boxes" label="Boxes" data-testid="tab-boxes" />
        <Tab value="classes" label={`Classes (${classCount})`} data-testid="tab-classes" />
      </Tabs>
      <Box sx={{ flex: 1, minHeight: 0 }}>{tab === 'boxes' ? <BoxList /> : <ClassManager />}</Box>
    </Stack>
  );
}

function Workbench(): React.JSX.Element {
  return (
    <Stack sx={{ height: '100vh', overflow: 'hidden' }} data-testid="workbench">
      <TopBar />
      <ReadOnlyBanner />
      <JobsBanner />
      <Stack direction="row" sx={{ flex: 1, minHeight: 0 }}>
        <Paper
          square
          elevation={0}
          sx={{ width: LEFT_WIDTH, flexShrink: 0, borderRight: 1, borderColor: 'divider' }}
        >
          <ImageList />
        </Paper>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <CanvasPane />
        </Box>
        {/* The lens panel takes the right panel's place while the lens is on (L). */}
        <LensPage
          otherwise={
            <Paper
              square
              elevation={0}
              sx={{ width: RIGHT_WIDTH, flexShrink: 0, borderLeft: 1, borderColor: 'divider' }}
              data-testid="right-panel"
            >
              <RightPanel />
            </Paper>
          }
        />
      </Stack>
      <StatusBar />
      <ShortcutSheet />
      <ClassNamePrompt />
      <JobsPanel />
      <EvaluationEntry />
      <TrainingMount />
    </Stack>
  );
}

function BootSkeleton(): React.JSX.Element {
  return (
    <Stack sx={{ height: '100vh' }} data-testid="loading">
      <AppBar
        position="static"
        color="default"
        elevation={0}
        sx={{ borderBottom: 1, borderColor: 'divider' }}
      >
        <Toolbar variant="dense" sx={{ gap: 2 }}>
          <Skeleton width={140} height={28} />
          <Skeleton width={160} height={32} />
          <Skeleton width={110} height={32} />
        </Toolbar>
      </AppBar>
      <Stack direction="row" sx={{ flex: 1 }}>
        <Stack
          spacing={1}
          sx={{ width: LEFT_WIDTH, p: 1.25, borderRight: 1, borderColor: 'divider' }}
        >
          {Array.from({ length: 9 }, (_, i) => (
            <Stack key={i} direction="row" spacing={1} sx={{ alignItems: 'center' }}>
              <Skeleton variant="rounded" width={44} height={44} />
              <Box sx={{ flex: 1 }}>
                <Skeleton />
                <Skeleton width="50%" />
              </Box>
            </Stack>
          ))}
        </Stack>
        <Skeleton variant="rectangular" sx={{ flex: 1, height: 'auto' }} />
        <Stack
          spacing={1}
          sx={{ width: RIGHT_WIDTH, p: 1.25, borderLeft: 1, borderColor: 'divider' }}
        >
          {Array.from({ length: 5 }, (_, i) => (
            <Skeleton key={i} variant="rounded" height={30} />
          ))}
        </Stack>
      </Stack>
    </Stack>
  );
}

function Centered({ children }: { children: React.ReactNode }): React.JSX.Element {
  return (
    <Stack sx={{ height: '100vh', alignItems: 'center', justifyContent: 'center', p: 3 }}>
      <Box sx={{ maxWidth: 560, width: '100%' }}>{children}</Box>
    </Stack>
  );
}

function Screens(): React.JSX.Element {
  const state = useEditor((s) => s.boot);
  const bootError = useEditor((s) => s.bootError);
  const hasProject = useEditor((s) => s.project !== null);

  useEffect(() => {
    void boot();
    const uninstallLens = installLensSync();
    const uninstallKeys = installKeymap();
    return () => {
      uninstallLens();
      uninstallKeys();
    };
  }, []);

  if (state === 'loading') return <BootSkeleton />;
  if (state === 'error') {
    return (
      <Centered>
        <Alert
          severity="error"
          data-testid="boot-error"
          action={
            <Button color="inherit" onClick={() => void boot()}>
              Retry
            </Button>
          }
        >
          Cannot reach the Shotbox backend: {bootError}
        </Alert>
      </Centered>
    );
  }
  if (!hasProject) {
    return (
      <Centered>
        <Typography variant="h6" gutterBottom>
          No project is open
        </Typography>
        <Typography variant="body2" sx={{ color: 'text.secondary' }} data-testid="no-project">
          Make one with <code>shotbox import &lt;folder&gt; --project &lt;file&gt;</code>, then open
          it with <code>shotbox serve --project &lt;file&gt;</code> (or from the app&apos;s File
          menu).
        </Typography>
        <OpenFolderButton />
      </Centered>
    );
  }
  return <Workbench />;
}

/** The review workbench: theme, keyboard, and the screen for the boot state. */
export function App(): React.JSX.Element {
  const mode = useEditor((s) => s.themeMode);
  const theme = useMemo(() => buildTheme(mode), [mode]);
  return (
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <Screens />
    </ThemeProvider>
  );
}
