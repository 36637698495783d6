import { getState, setState } from './state/store';

/**
 * Whether the backend answers. Browser mode reports every call and the event stream: a lost
 * server shows at once, and the notice goes away when it answers again.
 */
export function reportConnection(ok: boolean): void {
  if (getState().connectionLost === !ok) return;
  setState({ connectionLost: !ok });
}
