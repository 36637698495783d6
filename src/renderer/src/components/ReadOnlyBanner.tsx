import { Alert } from '@mui/material';
import { useEditor } from '../state/store';

/** Says why the open project cannot be changed (damaged, or opened read-only), above the work. */
export function ReadOnlyBanner(): React.JSX.Element | null {
  const reason = useEditor((s) => s.project?.readOnlyReason);
  if (!reason) return null;
  return (
    <Alert severity="warning" square data-testid="read-only-banner" sx={{ py: 0 }}>
      Read-only: {reason}
    </Alert>
  );
}
