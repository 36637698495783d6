import { maybeMountCanvasHarness } from './maybeMountCanvasHarness';

if (!maybeMountCanvasHarness()) {
  document.body.textContent = 'Open this page with ?harness=canvas';
}
