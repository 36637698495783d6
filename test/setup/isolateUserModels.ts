import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// No test may read or write the real per-user models folder: each test process (and every CLI,
// server or worker it spawns, through the environment) gets an empty one of its own.
process.env.SHOTBOX_USER_MODELS_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'shotbox-user-models-'));
