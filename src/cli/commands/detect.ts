import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { collectImageFiles, detectFiles, type FileProblem } from '../../core/detector/batch';
import { Detector } from '../../core/detector/detector';
import { parseProviderList } from '../../core/detector/executionProviders';
import { CocoDetectionsBuilder, commonRoot } from '../../core/formats/cocoDetections';
import { writeFileAtomic } from '../../core/fs/atomicWrite';
import { resolveModel } from '../../core/models/registry';
import { EXIT, UsageError } from '../exitCodes';

interface DetectCliOptions {
  model?: string;
  threshold?: string;
  iou?: string;
  provider?: string;
  out?: string;
  quiet?: boolean;
}

export function registerDetectCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('detect')
    .description('Detect objects in images and folders (recursive); write COCO JSON.')
    .argument('<inputs...>', 'image files and/or folders')
    .option(
      '--model <name|path>',
      'registered model name, manifest .json or model .onnx',
      undefined,
    )
    .option('--threshold <score>', "minimum score (default: the model's, 0.5 for the face model)")
    .option('--iou <iou>', "NMS IoU threshold (default: the model's)")
    .option('--provider <list>', 'execution providers to try in order, e.g. cuda,cpu')
    .option('--out <file.json>', 'write COCO JSON here (default: standard output)')
    .option('--quiet', 'no progress bar and no per-file messages')
    .action(async (inputs: string[], opts: DetectCliOptions) => {
      const scoreThreshold = parseUnit(opts.threshold, '--threshold');
      const iouThreshold = parseUnit(opts.iou, '--iou');
      const providers = opts.provider ? parseProviderList(opts.provider) : undefined;

      const entry = resolveModel(opts.model);
      const collected = await collectImageFiles(inputs);
      const failures: FileProblem[] = [...collected.problems];
      const log = (line: string): void => {
        if (!opts.quiet) process.stderr.write(`${line}\n`);
      };
      for (const p of collected.problems) log(`skipped ${p.file}: ${p.reason}`);
      if (collected.files.length === 0) {
        process.stderr.write(`shotbox: no images found in ${inputs.join(', ')}\n`);
        setExit(EXIT.failed);
        return;
      }

      const detector = await Detector.load(entry, { ...(providers ? { providers } : {}) });
      log(
        `model ${entry.manifest.name} on ${detector.provider.toUpperCase()}; ${collected.files.length} images`,
      );
      const coco = new CocoDetectionsBuilder(
        entry.manifest.classes,
        entry.manifest.name,
        commonRoot(collected.files),
      );
      const bar =
        process.stderr.isTTY && !opts.quiet
          ? new cliProgress.SingleBar(
              {
                format:
                  ' {bar} {value}/{total} images | {rate} img/s | ETA {eta_formatted} | {failed} failed',
                hideCursor: true,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      bar?.start(collected.files.length, 0, { rate: '0.0', failed: 0 });

      const started = performance.now();
      let done = 0;
      let detections = 0;
      // Ctrl+C stops after the image in flight; what was detected so far is still written.
      const interrupt = new AbortController();
      const onSigint = (): void => interrupt.abort();
      process.once('SIGINT', onSigint);
      try {
        for await (const item of detectFiles(detector, collected.files, {
          ...(scoreThreshold !== undefined ? { scoreThreshold } : {}),
          ...(iouThreshold !== undefined ? { iouThreshold } : {}),
          signal: interrupt.signal,
        })) {
          done++;
          if (item.ok) {
            coco.addImage(item.file, item.result.width, item.result.height, item.result.detections);
            detections += item.result.detections.length;
          } else {
            failures.push({ file: item.file, reason: item.reason });
            // Erase the bar's line first; the next update redraws it below the message.
            if (bar) process.stderr.write('\r\x1b[K');
            log(`failed ${item.file}: ${item.reason}`);
          }
          const rate = done / ((performance.now() - started) / 1000);
          bar?.update(done, { rate: rate.toFixed(1), failed: failures.length });
        }
      } finally {
        process.off('SIGINT', onSigint);
        bar?.stop();
        await detector.dispose();
      }

      const seconds = (performance.now() - started) / 1000;
      const json = JSON.stringify(coco.toJSON(), null, 1);
      if (opts.out) await writeFileAtomic(opts.out, `${json}\n`);
      else process.stdout.write(`${json}\n`);

      const processed = done - (failures.length - collected.problems.length);
      if (failures.length > 0) {
        process.stderr.write(`${failures.length} input(s) could not be processed:\n`);
        for (const f of failures) process.stderr.write(`  ${f.file}: ${f.reason}\n`);
      }
      process.stderr.write(
        `detect: ${processed} images, ${detections} detections, ${(done / seconds).toFixed(2)} images/s, ` +
          `${failures.length} failed${opts.out ? ` → ${opts.out}` : ''}\n`,
      );
      if (interrupt.signal.aborted) {
        process.stderr.write(
          `interrupted after ${done} of ${collected.files.length} images; the results so far were written\n`,
        );
        setExit(EXIT.interrupted);
        return;
      }
      setExit(failures.length > 0 ? EXIT.partial : EXIT.ok);
    });
}

function parseUnit(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || v > 1)
    throw new UsageError(`${name} must be a number between 0 and 1, got '${text}'`);
  return v;
}
