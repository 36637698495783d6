import type { Command } from 'commander';
import { escapeControls as safe } from '../../shared/text/unsafeChars';
import { EXIT, UsageError } from '../exitCodes';

interface AddOptions {
  preset?: string;
  classes?: string;
  name?: string;
  manifest?: string;
  inputSize?: string;
  sample?: string;
  replace?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/** `shotbox models add <file.onnx>` and `shotbox models remove <name>`. */
export function registerModelsAddCommands(models: Command, setExit: (code: number) => void): void {
  models
    .command('add <file>')
    .description(
      'Inspect an ONNX SSD, infer its manifest (input, outputs, priors, classes), run it once on ' +
        'a sample image and register it in your models folder. Says which fields it still needs.',
    )
    .option(
      '--preset <name>',
      'framework conventions: torchvision-ssd300, torchvision-ssdlite320, tf-od-api-ssd, caffe-ssd',
    )
    .option('--classes <names.txt>', 'class names, one per line, in score-column order')
    .option('--name <name>', 'registered name (default: from the file name)')
    .option('--manifest <m.json>', 'a manifest with the fields to use (wins over the preset)')
    .option('--input-size <WxH>', 'input size, for graphs whose size is dynamic')
    .option('--sample <image>', 'image for the test run (default: a face-api demo photo)')
    .option('--replace', 'replace a user model of the same name')
    .option('--dry-run', 'print what was inferred and the test run; register nothing')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: AddOptions) => {
      const [{ addModel, readClassNames }, { MANIFEST_PRESET_NAMES }, { NEEDS_HINT }, reg] =
        await Promise.all([
          import('../../core/models/addModel'),
          import('../../shared/models/presets'),
          import('../../core/models/inferManifest'),
          import('../../core/models/registry'),
        ]);
      if (opts.preset !== undefined && !MANIFEST_PRESET_NAMES.includes(opts.preset)) {
        throw new UsageError(
          `unknown preset '${opts.preset}' (presets: ${MANIFEST_PRESET_NAMES.join(', ')})`,
        );
      }
      const result = await addModel(
        {
          file,
          preset: opts.preset,
          classes: opts.classes ? readClassNames(opts.classes) : undefined,
          name: opts.name,
          manifest: opts.manifest ? reg.readManifestJson(opts.manifest) : undefined,
          inputSize: opts.inputSize ? parseSize(opts.inputSize) : undefined,
          sample: opts.sample,
          replace: opts.replace,
        },
        { dryRun: opts.dryRun },
      );
      const { inference, testRun, entry } = result;
      const code =
        inference.problems.length > 0 || (testRun && !testRun.ok)
          ? EXIT.failed
          : inference.needs.length > 0
            ? EXIT.usage
            : EXIT.ok;
      if (opts.json) {
        const { graph, manifest: _parsed, ...rest } = inference;
        void _parsed;
        process.stdout.write(
          `${JSON.stringify(
            {
              file: graph.file,
              inputs: graph.inputs,
              outputs: graph.outputs,
              ...rest,
              testRun,
              registered: entry
                ? { name: entry.manifest.name, manifest: entry.manifestPath }
                : null,
            },
            null,
            2,
          )}\n`,
        );
        setExit(code);
        return;
      }
      const out = (line: string): void => void process.stdout.write(`${safe(line)}\n`);
      out(
        `Inspected ${inference.graph.file} (${(inference.graph.bytes / 1048576).toFixed(1)} MiB)`,
      );
      for (const fact of inference.facts) out(`  ${fact}`);
      for (const p of inference.problems) process.stderr.write(`shotbox: ${safe(p)}\n`);
      if (inference.needs.length > 0) {
        out(`Needs ${inference.needs.length} field(s) before it can be added:`);
        for (const n of inference.needs) out(`  ${n.field}: ${n.message}`);
        out(`(${NEEDS_HINT}.) Nothing was registered.`);
      }
      if (testRun) {
        if (testRun.ok) {
          const best = testRun.top[0];
          out(
            `Test run on ${testRun.sample}: ${testRun.detections} detections` +
              (best ? `, best ${best.label} ${best.score.toFixed(3)}` : '') +
              ` (${Math.round(testRun.milliseconds)} ms)`,
          );
        } else {
          process.stderr.write(
            `shotbox: the test run on ${safe(testRun.sample)} failed: ${safe(testRun.error ?? '')}; nothing was registered\n`,
          );
        }
      }
      if (entry) {
        out(`Registered '${entry.manifest.name}' (${entry.manifestPath}).`);
        out(`Use it with: shotbox detect --model ${entry.manifest.name} <images>`);
      } else if (opts.dryRun && inference.manifestJson && testRun?.ok) {
        out('--dry-run: nothing registered. The manifest it would write:');
        process.stdout.write(`${JSON.stringify(inference.manifestJson, null, 2)}\n`);
      }
      setExit(code);
    });

  models
    .command('remove <name>')
    .description('Remove a model you added (bundled models cannot be removed).')
    .action(async (name: string) => {
      const { removeUserModel } = await import('../../core/models/userModels');
      const entry = await removeUserModel(name);
      process.stdout.write(
        `Removed '${safe(entry.manifest.name)}' (${safe(entry.manifestPath)}).\n`,
      );
      setExit(EXIT.ok);
    });
}

function parseSize(text: string): { width: number; height: number } {
  const m = /^(\d{1,4})x(\d{1,4})$/i.exec(text.trim());
  if (!m) throw new UsageError(`--input-size must be WxH, e.g. 300x300 (got '${text}')`);
  return { width: Number(m[1]), height: Number(m[2]) };
}
