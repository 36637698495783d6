import Close from '@mui/icons-material/Close';
import { Alert, AlertTitle, Box, Button, Fade, IconButton, Stack } from '@mui/material';
import { isRefusal } from '../../../shared/api/errors';
import { dismissError } from '../actions/run';
import { useEditor } from '../state/store';

/**
 * The last failed action, a refusal (warning, no Retry) or a failure (error, with Retry), and a
 * lost server connection. They float at the bottom of the canvas area: never over the canvas
 * toolbar or the panels, and the canvas does not resize (and re-fit) when something fails. The
 * next successful action clears the notice.
 */
export function ErrorAlert(): React.JSX.Element {
  const error = useEditor((s) => s.error);
  const connectionLost = useEditor((s) => s.connectionLost);
  return (
    <Stack
      spacing={1}
      sx={{
        position: 'absolute',
        bottom: 12,
        left: 12,
        right: 12,
        alignItems: 'center',
        pointerEvents: 'none',
        zIndex: 2,
      }}
    >
      {connectionLost && (
        <Alert
          severity="error"
          variant="filled"
          data-testid="connection-lost"
          sx={{ pointerEvents: 'auto', width: 'min(680px, 100%)' }}
        >
          Lost the connection to the Shotbox server. Changes cannot be saved until it answers again
          (is <code>shotbox serve</code> still running?).
        </Alert>
      )}
      <Fade in={error !== null} unmountOnExit>
        <Box sx={{ pointerEvents: 'auto', width: 'min(680px, 100%)' }}>
          {error && (
            <Alert
              data-testid={isRefusal(error.code) ? 'validation-error' : 'backend-error'}
              data-error-code={error.code}
              severity={isRefusal(error.code) ? 'warning' : 'error'}
              variant="filled"
              elevation={6}
              action={
                <>
                  {error.retry && (
                    <Button
                      color="inherit"
                      data-testid="error-retry"
                      onClick={() => {
                        const retry = error.retry;
                        dismissError();
                        retry?.();
                      }}
                    >
                      Retry
                    </Button>
                  )}
                  <IconButton
                    color="inherit"
                    aria-label="Dismiss"
                    onClick={dismissError}
                    data-testid="error-dismiss"
                  >
                    <Close fontSize="small" />
                  </IconButton>
                </>
              }
            >
              <AlertTitle sx={{ mb: 0 }}>
                {isRefusal(error.code)
                  ? `Could not ${error.action}: the request was refused`
                  : `Could not ${error.action}`}
              </AlertTitle>
              {error.message}
            </Alert>
          )}
        </Box>
      </Fade>
    </Stack>
  );
}
