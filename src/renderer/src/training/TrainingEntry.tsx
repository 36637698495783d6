/** Where training enters the workbench: the app bar's "Train" button and the page itself. */
import { Button, Tooltip } from '@mui/material';
import { lazy, Suspense } from 'react';
import { useEditor } from '../state/store';
import { setTrainingOpen } from './trainingActions';
import { useTraining } from './trainingStore';

// The charts library is loaded with the page only.
const TrainingPage = lazy(() => import('./TrainingPage'));

export function TrainButton(): React.JSX.Element {
  const project = useEditor((s) => s.project);
  const running = useTraining((s) => s.running);
  return (
    <Tooltip title="Fine-tune a model on the reviewed labels (T)">
      <span>
        <Button
          data-testid="train-button"
          variant="text"
          onClick={() => setTrainingOpen(true)}
          disabled={!project}
          sx={{ whiteSpace: 'nowrap' }}
        >
          {running ? 'Training…' : 'Train'}
        </Button>
      </span>
    </Tooltip>
  );
}

export function TrainingMount(): React.JSX.Element | null {
  const open = useTraining((s) => s.open);
  if (!open) return null;
  return (
    <Suspense fallback={null}>
      <TrainingPage />
    </Suspense>
  );
}
