import {
  Alert,
  AppBar,
  Box,
  Chip,
  CircularProgress,
  Container,
  Paper,
  Stack,
  Toolbar,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import type { AppInfo } from '../../shared/api/contract';
import { api } from './api';

/** Placeholder workbench: shows the backend is reachable, which models and providers exist. */
export function App(): React.JSX.Element {
  const [info, setInfo] = useState<AppInfo | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    api
      .getAppInfo({})
      .then(setInfo, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  }, []);

  return (
    <Box sx={{ minHeight: '100vh', bgcolor: 'background.default' }}>
      <AppBar position="static" elevation={0}>
        <Toolbar>
          <Typography variant="h6" sx={{ flexGrow: 1 }}>
            Shotbox
          </Typography>
          {info && (
            <Chip size="small" color="secondary" label={`${info.shell} · v${info.version}`} />
          )}
        </Toolbar>
      </AppBar>
      <Container maxWidth="md" sx={{ py: 4 }}>
        {error && <Alert severity="error">Cannot reach the backend: {error}</Alert>}
        {!info && !error && (
          <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
            <CircularProgress size={20} />
            <Typography>Connecting to the backend…</Typography>
          </Stack>
        )}
        {info && (
          <Stack spacing={3}>
            <Typography variant="body1">
              The review workbench is being built. The detector runs from the command line today:{' '}
              <code>npx shotbox detect</code>.
            </Typography>
            <Paper variant="outlined" sx={{ p: 2 }}>
              <Typography variant="subtitle1" gutterBottom>
                Models
              </Typography>
              {info.models.map((m) => (
                <Stack
                  key={m.name}
                  direction="row"
                  spacing={1}
                  sx={{ alignItems: 'center', py: 0.5 }}
                >
                  <Typography sx={{ fontFamily: 'monospace' }}>{m.name}</Typography>
                  <Typography color="text.secondary">
                    {m.classes.join(', ')} · {m.inputWidth}×{m.inputHeight}
                  </Typography>
                  <Chip
                    size="small"
                    color={m.ready ? 'success' : 'warning'}
                    label={m.ready ? 'ready' : 'not built'}
                  />
                </Stack>
              ))}
            </Paper>
            <Paper variant="outlined" sx={{ p: 2 }}>
              <Typography variant="subtitle1" gutterBottom>
                Execution providers
              </Typography>
              {info.providers.map((p) => (
                <Typography key={p.name} color={p.available ? 'text.primary' : 'text.secondary'}>
                  {p.name.toUpperCase()}: {p.available ? 'available' : p.reason}
                </Typography>
              ))}
            </Paper>
          </Stack>
        )}
      </Container>
    </Box>
  );
}
