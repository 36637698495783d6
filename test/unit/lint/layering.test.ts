import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Runs the project's real ESLint config on small sources placed (virtually) in each layer.
const eslint = new ESLint({ cwd: process.cwd() });

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'local/code-layering')
    .map((m) => m.message);
}

describe('layering rule (DESIGN.md §2)', () => {
  it('keeps Node and native packages out of src/shared', async () => {
    expect(
      await layeringErrors('src/shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n"),
    ).toHaveLength(1);
    expect(
      await layeringErrors(
        'src/shared/x.ts',
        "import sharp from 'sharp';\nexport const a = sharp;\n",
      ),
    ).toHaveLength(1);
    expect(
      await layeringErrors('src/shared/x.ts', "import { z } from 'zod';\nexport const a = z;\n"),
    ).toEqual([]);
  });

  it('forbids core → electron and core → main', async () => {
    expect(
      await layeringErrors(
        'src/core/x.ts',
        "import { app } from 'electron';\nexport const a = app;\n",
      ),
    ).toHaveLength(1);
    const up = await layeringErrors(
      'src/core/x.ts',
      "import { a } from '../main/index';\nexport const b = a;\n",
    );
    expect(up[0]).toMatch(/src\/core may not import src\/main/);
  });

  it('lets the renderer import only shared', async () => {
    expect(
      await layeringErrors(
        'src/renderer/src/x.ts',
        "import { a } from '../../core/api/backend';\nexport const b = a;\n",
      ),
    ).toHaveLength(1);
    expect(
      await layeringErrors(
        'src/renderer/src/x.ts',
        "import { a } from '../../shared/api/contract';\nexport const b = a;\n",
      ),
    ).toEqual([]);
    expect(
      await layeringErrors(
        'src/renderer/src/x.ts',
        "import path from 'path';\nexport const b = path;\n",
      ),
    ).toHaveLength(1);
  });

  it('allows main → core → shared and checks dynamic imports too', async () => {
    expect(
      await layeringErrors(
        'src/main/x.ts',
        "import { a } from '../core/api/backend';\nexport const b = a;\n",
      ),
    ).toEqual([]);
    expect(
      await layeringErrors(
        'src/shared/x.ts',
        "export const m = () => import('../core/api/backend');\n",
      ),
    ).toHaveLength(1);
  });

  it('keeps React out of the backend layers', async () => {
    expect(
      await layeringErrors(
        'src/core/x.ts',
        "import React from 'react';\nexport const a = React;\n",
      ),
    ).toHaveLength(1);
  });
});
