import Close from '@mui/icons-material/Close';
import { Alert, AlertTitle, Box, Button, Fade, IconButton } from '@mui/material';
import { dismissError } from '../actions/run';
import { useEditor } from '../state/store';

/**
 * The last failed action: a backend error (with Retry) or a refused request (validation). It
 * floats over the top of the workbench instead of pushing the layout down, so the canvas does not
 * resize (and re-fit) under the pointer when something fails.
 */
export function ErrorAlert(): React.JSX.Element {
  const error = useEditor((s) => s.error);
  return (
    <Fade in={error !== null} unmountOnExit>
      <Box
        sx={{
          position: 'fixed',
          top: 52,
          left: '50%',
          transform: 'translateX(-50%)',
          width: 'min(680px, calc(100vw - 32px))',
          zIndex: (t) => t.zIndex.snackbar,
        }}
      >
        {error && (
          <Alert
            data-testid={error.validation ? 'validation-error' : 'backend-error'}
            severity={error.validation ? 'warning' : 'error'}
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
              {error.validation
                ? `Could not ${error.action}: the request was refused`
                : `Could not ${error.action}`}
            </AlertTitle>
            {error.message}
          </Alert>
        )}
      </Box>
    </Fade>
  );
}
