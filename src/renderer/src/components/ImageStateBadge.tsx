import CheckCircle from '@mui/icons-material/CheckCircle';
import { Chip } from '@mui/material';
import type { ImageStatus } from '../../../shared/project/types';

/** What each image state is called on screen (the state itself is the backend's). */
export function imageStateLabel(status: ImageStatus, pendingCount: number): string {
  switch (status) {
    case 'predicted':
      return pendingCount > 0 ? `${pendingCount} pending` : 'pending';
    case 'reviewed':
      return 'reviewed';
    case 'nothing-found':
      return 'nothing found';
    case 'unreviewed':
      return 'not run';
  }
}

/** The image-state chip of the image list and the box panel. */
export function ImageStateBadge({
  status,
  pendingCount,
  testId,
}: {
  status: ImageStatus;
  pendingCount: number;
  testId?: string;
}): React.JSX.Element {
  const label = imageStateLabel(status, pendingCount);
  const common = {
    label,
    variant: 'outlined' as const,
    'data-status': status,
    ...(testId ? { 'data-testid': testId } : {}),
  };
  if (status === 'predicted')
    return <Chip {...common} color="warning" sx={{ height: 20, fontSize: 11 }} />;
  if (status === 'reviewed')
    return (
      <Chip {...common} icon={<CheckCircle />} color="success" sx={{ height: 20, fontSize: 11 }} />
    );
  return <Chip {...common} sx={{ height: 20, fontSize: 11, color: 'text.secondary' }} />;
}
