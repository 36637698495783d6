import type { Command } from 'commander';
import { isSplit } from '../../shared/project/splits';
import { escapeControls as safe } from '../../shared/text/unsafeChars';
import { EXIT, UsageError } from '../exitCodes';

interface SplitOptions {
  project: string;
  seed: string;
  reassign?: boolean;
  set?: string;
  json?: boolean;
}

/**
 * `shotbox split --project p`: gives every image without a split one (seeded, stratified by
 * class, identical files together); `--reassign` draws every split again. `--set <split> <image…>`
 * sets the split of those images (and their identical twins) as one undoable step.
 */
export function registerSplitCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('split')
    .description('Assign train/val/test splits (seeded, stratified, identical files together)')
    .argument('[images...]', 'with --set: the images (paths under the image root, or files)')
    .requiredOption('--project <file.shotbox>', 'the project')
    .option('--seed <n>', 'seed of the assignment', '0')
    .option('--reassign', 'assign every image again, not only those without a split')
    .option('--set <train|val|test>', 'set the split of the images named (one undo step)')
    .option('--json', 'print the counts per split as JSON')
    .action(async (images: string[], opts: SplitOptions) => {
      // Loaded when the command runs, not for `shotbox --help`.
      const [{ assignMissingSplits }, { setImageSplit }, { openExistingProject }, path] =
        await Promise.all([
          import('../../core/project/splits'),
          import('../../core/project/imageSplit'),
          import('./projectFiles'),
          import('node:path'),
        ]);
      if (opts.set !== undefined && !isSplit(opts.set))
        throw new UsageError(`--set must be train, val or test, got '${safe(opts.set)}'`);
      if (opts.set !== undefined && images.length === 0)
        throw new UsageError('--set needs the images to set, e.g. split --set test a.jpg b.jpg');
      if (opts.set === undefined && images.length > 0)
        throw new UsageError('images are named only with --set <train|val|test>');
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed))
        throw new UsageError(`--seed must be an integer, got '${safe(opts.seed)}'`);
      const project = openExistingProject(opts.project);
      try {
        if (isSplit(opts.set)) {
          const ids: number[] = [];
          const unknown: string[] = [];
          for (const name of images) {
            const underRoot = path.relative(project.imageRoot, path.resolve(name));
            const image =
              project.images.byPath(name.replace(/\\/g, '/')) ??
              (underRoot.startsWith('..')
                ? undefined
                : project.images.byPath(underRoot.split(path.sep).join('/')));
            if (image) ids.push(image.id);
            else unknown.push(name);
          }
          for (const name of unknown)
            process.stderr.write(`not in the project: ${safe(name)} (its split is not set)\n`);
          const r = ids.length ? setImageSplit(project, ids, opts.set) : { changed: [], twins: [] };
          const counts = project.images.splitCounts();
          if (opts.json) process.stdout.write(`${JSON.stringify({ ...r, counts })}\n`);
          process.stderr.write(
            `split: ${r.changed.length} images set to ${opts.set}` +
              (r.twins.length ? ` (${r.twins.length} identical to one named)` : '') +
              (r.changed.length ? ' (one undo step)' : '') +
              `; train ${counts.train}, val ${counts.val}, test ${counts.test}\n`,
          );
          setExit(unknown.length ? EXIT.partial : EXIT.ok);
          return;
        }
        const r = assignMissingSplits(project, {
          seed,
          ...(opts.reassign ? { reassign: true } : {}),
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        process.stderr.write(
          `split: ${r.assigned} images assigned; train ${r.counts.train}, val ${r.counts.val}, test ${r.counts.test}\n`,
        );
        setExit(EXIT.ok);
      } finally {
        project.close();
      }
    });
}
