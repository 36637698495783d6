import type { Command } from 'commander';
import { recoverProject } from '../../core/db/recoverProject';
import { EXIT } from '../exitCodes';

export function registerRecoverCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('recover')
    .description('Copy what can still be read from a damaged project into a new project file.')
    .argument('<damaged.shotbox>', 'the damaged project (only read, never written)')
    .argument('<new.shotbox>', 'the new project to write (must not exist)')
    .action((damaged: string, out: string) => {
      const report = recoverProject(damaged, out);
      for (const t of report.tables)
        process.stderr.write(
          `recover: ${t.table}: ${t.copied} rows` +
            (t.skippedRanges ? `, ${t.skippedRanges} unreadable stretch(es) skipped` : '') +
            '\n',
        );
      if (report.orphansRemoved)
        process.stderr.write(
          `recover: ${report.orphansRemoved} rows dropped whose image, class or run was lost\n`,
        );
      if (report.projectRecordLost)
        process.stderr.write(
          `recover: the image folder was lost; set it with \`shotbox relocate --project ${out} --image-root <dir>\`\n`,
        );
      const lost = report.tables.some((t) => t.skippedRanges > 0) || report.orphansRemoved > 0;
      process.stderr.write(`recover: wrote ${out}${lost ? ' (some rows were lost)' : ''}\n`);
      setExit(lost ? EXIT.partial : EXIT.ok);
    });
}
