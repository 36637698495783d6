// The CLI straight from its TypeScript sources (tsx), for `npm run bench:cli`'s comparison.
import { main } from '../src/cli/main';

process.exitCode = await main(process.argv);
