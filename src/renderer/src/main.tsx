import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { maybeMountCanvasHarness } from './canvas/dev/maybeMountCanvasHarness';

// `?harness=canvas` shows the canvas alone (its own end-to-end tests); otherwise the workbench.
if (!maybeMountCanvasHarness()) {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
