// `npm run package`: the electron-vite build, then electron-builder with the typed config (fuses
// included). Needs the Electron binary, i.e. a machine that can download it.
import { build } from 'electron-builder';
import { builderConfig } from './packaging/builderConfig';

const result = await build({ config: builderConfig, publish: 'never' });
for (const file of result) process.stdout.write(`packaged ${file}\n`);
