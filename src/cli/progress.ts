import cliProgress from 'cli-progress';
import { escapeControls } from '../shared/text/unsafeChars';

export interface Progress {
  update(done: number, total: number, extra?: string): void;
  /** Prints a line above the bar (or plainly when there is no bar). */
  log(line: string): void;
  stop(): void;
}

/** A progress bar with rate and ETA on a terminal; silent when output is piped or --quiet. */
export function createProgress(unit: string, quiet = false): Progress {
  const tty = process.stderr.isTTY && !quiet;
  let bar: cliProgress.SingleBar | undefined;
  const started = performance.now();
  return {
    update(done, total, extra = '') {
      if (!tty) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format: ` {bar} {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} {extra}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { rate: '0', extra });
      }
      bar.setTotal(total);
      const rate = done / Math.max(1e-3, (performance.now() - started) / 1000);
      bar.update(done, { rate: rate.toFixed(1), extra });
    },
    log(line) {
      if (quiet) return;
      // Erase the bar's line first; the next update redraws it below the message.
      if (bar) process.stderr.write('\r\x1b[K');
      // Lines may carry file names: escape their control characters (no fake lines, no codes).
      process.stderr.write(`${escapeControls(line)}\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}
