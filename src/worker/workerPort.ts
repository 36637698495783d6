/**
 * The worker's side of its channel, the same under Node (`child_process.fork`: process.send /
 * 'message') and Electron (`utilityProcess.fork`: process.parentPort). The only place that knows
 * the difference.
 */
export interface WorkerPort {
  send(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
  /** Called when the parent goes away (its process died or closed the channel). */
  onDisconnect(handler: () => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function workerPort(): WorkerPort {
  const electron = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electron) {
    return {
      send: (m) => electron.postMessage(m),
      onMessage: (h) => electron.on('message', (e) => h(e.data)),
      // A utility process ends with its parent.
      onDisconnect: () => undefined,
    };
  }
  if (!process.send) throw new Error('the training worker must be started by fork()');
  return {
    send: (m) => process.send!(m),
    onMessage: (h) => process.on('message', h),
    onDisconnect: (h) => process.on('disconnect', h),
  };
}
