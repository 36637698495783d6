/**
 * Where the lens enters the workbench: while it is on, its panel beside the canvas (in place of
 * `otherwise`, the workbench's right panel); and the coverage page.
 */
import { Paper } from '@mui/material';
import { lazy, Suspense } from 'react';
import { LensPanel } from './LensPanel';
import { useLens } from './lensStore';

// The charts library is loaded with the coverage page only.
const CoveragePage = lazy(() => import('./CoveragePage'));

const PANEL_WIDTH = 380;

export function LensPage({ otherwise }: { otherwise: React.ReactNode }): React.JSX.Element {
  const on = useLens((s) => s.on);
  const coverageOpen = useLens((s) => s.coverageOpen);
  return (
    <>
      {!on && otherwise}
      {on && (
        <Paper
          square
          elevation={0}
          sx={{ width: PANEL_WIDTH, flexShrink: 0, borderLeft: 1, borderColor: 'divider' }}
        >
          <LensPanel />
        </Paper>
      )}
      {coverageOpen && (
        <Suspense fallback={null}>
          <CoveragePage />
        </Suspense>
      )}
    </>
  );
}
