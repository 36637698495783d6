import cliProgress from 'cli-progress';
import { escapeControls } from '../shared/text/unsafeChars';
import { RateMeter, type RateEstimate } from '../shared/jobs/rateMeter';

export interface Progress {
  /** `estimate`: a job's own rate and ETA; without it the bar measures them (same meter). */
  update(done: number, total: number, extra?: string, estimate?: RateEstimate): void;
  /** Prints a line above the bar (or plainly when there is no bar). */
  log(line: string): void;
  stop(): void;
}

/** A progress bar with rate and ETA on a terminal; silent when output is piped or --quiet. */
export function createProgress(unit: string, quiet = false): Progress {
  const tty = process.stderr.isTTY && !quiet;
  let bar: cliProgress.SingleBar | undefined;
  const meter = new RateMeter();
  return {
    update(done, total, extra = '', estimate) {
      if (!tty) return;
      meter.sample(done, performance.now());
      const { rate, etaSeconds } = estimate ?? meter.estimate(total);
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format: ` {bar} {value}/{total} ${unit} | {rate}/s | ETA {eta} {extra}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0, { rate: '-', eta: '-', extra });
      }
      bar.setTotal(total);
      bar.update(done, {
        rate: rate === null ? '-' : rate.toFixed(1),
        eta: etaSeconds === null ? '-' : formatEta(etaSeconds),
        extra,
      });
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

function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
