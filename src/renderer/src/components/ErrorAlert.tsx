import Close from '@mui/icons-material/Close';
import { Alert, AlertTitle, Button, Collapse, IconButton } from '@mui/material';
import { dismissError } from '../actions/run';
import { useEditor } from '../state/store';

/** The last failed action: a backend error (with Retry) or a refused request (validation). */
export function ErrorAlert(): React.JSX.Element {
  const error = useEditor((s) => s.error);
  return (
    <Collapse in={error !== null} unmountOnExit>
      {error && (
        <Alert
          data-testid={error.validation ? 'validation-error' : 'backend-error'}
          severity={error.validation ? 'warning' : 'error'}
          sx={{ borderRadius: 0 }}
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
    </Collapse>
  );
}
