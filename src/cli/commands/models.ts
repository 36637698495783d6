import type { Command } from 'commander';
import { EXIT } from '../exitCodes';
import { formatTable } from '../table';

export function registerModelsCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('models')
    .description('List registered models and the execution providers available on this machine.')
    .option('--json', 'machine-readable output')
    .option('--dir <folder>', 'list the models in this folder (e.g. where `shotbox train` wrote)')
    .action(async (opts: { json?: boolean; dir?: string }) => {
      // Loaded here, not for `shotbox --help`.
      const [{ default: ort }, eps, { listModels, modelsDir, userModelsDir }] = await Promise.all([
        import('onnxruntime-node'),
        import('../../core/detector/executionProviders'),
        import('../../core/models/registry'),
      ]);
      const { defaultProviderChain, PROVIDERS, providerUnavailableReason } = eps;
      const { models, errors } = listModels(opts.dir);
      const providers = PROVIDERS.map((name) => {
        const reason = providerUnavailableReason(name);
        return { name, available: !reason, ...(reason ? { reason } : {}) };
      });
      if (opts.json) {
        const out = {
          modelsDir: opts.dir ?? modelsDir(),
          ...(opts.dir ? {} : { userModelsDir: userModelsDir() }),
          models: models.map((m) => ({
            name: m.manifest.name,
            title: m.manifest.title,
            classes: m.manifest.classes,
            input: { width: m.manifest.input.width, height: m.manifest.input.height },
            onnx: m.onnxPath,
            ready: m.ready,
            ...(m.source ? { source: m.source } : {}),
          })),
          invalid: errors,
          onnxruntime: ort.env.versions.node,
          providerChain: defaultProviderChain(),
          providers,
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        process.stdout.write(
          opts.dir
            ? `Models in ${opts.dir}\n`
            : `Bundled models in ${modelsDir()}, your models in ${userModelsDir()}\n`,
        );
        process.stdout.write(
          formatTable(
            ['name', 'source', 'classes', 'input', 'status'],
            models.map((m) => [
              m.manifest.name,
              m.source ?? 'folder',
              summariseClasses(m.manifest.classes),
              `${m.manifest.input.width}×${m.manifest.input.height}`,
              m.ready ? 'ready' : 'ONNX file missing (npm run models)',
            ]),
          ),
        );
        for (const e of errors) process.stdout.write(`invalid: ${e}\n`);
        process.stdout.write(
          `\nExecution providers (ONNX Runtime ${ort.env.versions.node}), tried in order:\n`,
        );
        for (const name of defaultProviderChain()) {
          const p = providers.find((q) => q.name === name)!;
          process.stdout.write(
            `  ${name.padEnd(5)} ${p.available ? 'available' : `unavailable: ${p.reason}`}\n`,
          );
        }
      }
      setExit(errors.length > 0 ? EXIT.partial : EXIT.ok);
    });
}

function summariseClasses(classes: readonly string[]): string {
  const shown = classes.slice(0, 5).join(', ');
  return classes.length > 5 ? `${shown}, … (${classes.length})` : shown;
}
