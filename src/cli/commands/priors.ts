import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { PriorConfig } from '../../shared/ssd/priorConfig';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';

interface PriorsOptions {
  preset?: string;
  config?: string;
  model?: string;
  json?: boolean;
  out?: string;
}

export function registerPriorsCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('priors')
    .description('List the default boxes (priors) of a configuration, layer by layer.')
    .option(
      '--preset <name>',
      // Named here, not read from PRIOR_PRESETS: that module loads zod, and --help should not.
      "a built-in configuration: ssd300 (the default) or ssd512 (the paper's)",
    )
    .option('--config <file.json>', 'a prior configuration file')
    .option('--model <name|path>', "a model's own prior configuration")
    .option('--json', 'print {"total":N,"layers":[…]} instead of a table')
    .option('--out <file.json>', 'write every default box as [cx,cy,w,h] (normalised), in order')
    .action(async (opts: PriorsOptions) => {
      const [{ writeFileAtomic }, { generatePriors }] = await Promise.all([
        import('../../core/fs/atomicWrite'),
        import('../../shared/ssd/priors'),
      ]);
      const { label, config } = await loadConfig(opts);
      const set = generatePriors(config);
      const layers = set.layers.map((l) => ({
        name: l.name,
        featureMap: l.featureMap,
        scale: round(l.scale, 6),
        boxesPerCell: l.boxesPerCell,
        count: l.count,
      }));
      if (opts.out) {
        const boxes: number[][] = [];
        for (let i = 0; i < set.count; i++) {
          boxes.push(Array.from(set.boxes.subarray(4 * i, 4 * i + 4), (v) => round(v, 7)));
        }
        await writeFileAtomic(opts.out, JSON.stringify(boxes));
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ source: label, total: set.count, layers })}\n`);
      } else {
        process.stdout.write(`Default boxes of ${label}\n`);
        process.stdout.write(
          formatTable(
            ['layer', 'feature map', 'scale', 'boxes/cell', 'count'],
            layers.map((l) => [
              l.name,
              `${l.featureMap[0]}×${l.featureMap[1]}`,
              l.scale.toFixed(4),
              String(l.boxesPerCell),
              String(l.count),
            ]),
            ['left', 'right', 'right', 'right', 'right'],
          ),
        );
        process.stdout.write(
          `total ${set.count} default boxes${opts.out ? `, written to ${opts.out}` : ''}\n`,
        );
      }
      setExit(EXIT.ok);
    });
}

async function loadConfig(opts: PriorsOptions): Promise<{ label: string; config: PriorConfig }> {
  const [{ resolveModel }, { parsePriorConfig, PRIOR_PRESETS }] = await Promise.all([
    import('../../core/models/registry'),
    import('../../shared/ssd/priorConfig'),
  ]);
  const chosen = [opts.preset, opts.config, opts.model].filter((v) => v !== undefined);
  if (chosen.length > 1) throw new UsageError('give only one of --preset, --config, --model');
  if (opts.config) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(opts.config, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read ${opts.config}: ${(err as Error).message}`);
    }
    return { label: opts.config, config: parsePriorConfig(json) };
  }
  if (opts.model) {
    const entry = resolveModel(opts.model);
    if (!entry.manifest.priors)
      throw new UsageError(`model ${entry.manifest.name} has no prior configuration`);
    return { label: `model ${entry.manifest.name}`, config: entry.manifest.priors };
  }
  const preset = opts.preset ?? 'ssd300';
  const config = (PRIOR_PRESETS as Record<string, PriorConfig>)[preset];
  if (!config) {
    throw new UsageError(
      `unknown preset '${preset}' (known: ${Object.keys(PRIOR_PRESETS).join(', ')})`,
    );
  }
  return { label: `preset ${preset}`, config };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
