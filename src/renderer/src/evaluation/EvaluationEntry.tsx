/** Where the Evaluation page enters the workbench; the charts library loads with the page only. */
import { lazy, Suspense } from 'react';
import { useEvaluation } from './evaluationStore';

const EvaluationPage = lazy(() => import('./EvaluationPage'));

export function EvaluationEntry(): React.JSX.Element | null {
  const open = useEvaluation((s) => s.open);
  if (!open) return null;
  return (
    <Suspense fallback={null}>
      <EvaluationPage />
    </Suspense>
  );
}
