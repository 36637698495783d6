import { ShotboxError } from '../../shared/api/errors';
import type { ParsedRequestOf, ResponseOf } from '../../shared/api/contract';
import type { ModelInspection } from '../../shared/api/modelsContract';
import { MANIFEST_PRESET_NAMES } from '../../shared/models/presets';
import { addModel, type AddModelResult } from '../models/addModel';
import { ModelInspectError } from '../models/inspectOnnx';
import { ModelNotFoundError } from '../models/registry';
import { removeUserModel } from '../models/userModels';
import { NotFoundError } from './imageServing';

/**
 * Where the page's model files may come from. Browser mode: `.onnx` files under `--root`
 * (real paths, links followed). Electron: only files main's native dialog returned (DESIGN
 * §10: a path reaches the backend only from the CLI or a native dialog in main).
 */
export interface ModelFileAccess {
  /** The real path of a file the page named, or an OutsideRootsError. */
  resolve(requested: string): string;
  /** Electron: the native open dialog; the chosen file becomes one `resolve` accepts. */
  choose?(): Promise<string | null>;
}

class BadModelFileError extends ShotboxError {
  constructor(message: string) {
    super('invalid-request', message, 'BadModelFileError');
  }
}

type ModelMethod = 'chooseModelFile' | 'inspectModel' | 'addModel' | 'removeModel';
type ModelMethods = {
  [M in ModelMethod]: (request: ParsedRequestOf<M>) => Promise<ResponseOf<M>>;
};

/** The contract's "Add model…" methods over core's addModel (the same path as the CLI). */
export function createModelMethods(deps: {
  files: ModelFileAccess | undefined;
  /** Drops a cached detector of that name (a replaced or removed model). */
  forget(name: string): void;
}): ModelMethods {
  const needFiles = (): ModelFileAccess => {
    if (!deps.files) throw new BadModelFileError('this shell cannot open model files');
    return deps.files;
  };
  const run = async (
    request: ParsedRequestOf<'addModel'>,
    dryRun: boolean,
  ): Promise<AddModelResult> => {
    const file = needFiles().resolve(request.file);
    try {
      return await addModel({ ...request, file }, { dryRun });
    } catch (err) {
      if (err instanceof ModelInspectError) throw new BadModelFileError(err.message);
      throw err;
    }
  };
  return {
    async chooseModelFile() {
      const files = needFiles();
      if (!files.choose) {
        throw new BadModelFileError('pick the file from the folders listed (listFolder models)');
      }
      return { file: await files.choose() };
    },
    async inspectModel(request) {
      return toInspection(await run(request, true));
    },
    async addModel(request) {
      const result = await run(request, false);
      if (result.entry) deps.forget(result.entry.manifest.name);
      return { ...toInspection(result), registered: result.entry?.manifest.name ?? null };
    },
    async removeModel({ name }) {
      try {
        const entry = await removeUserModel(name);
        deps.forget(name);
        return { removed: entry.manifest.name };
      } catch (err) {
        if (err instanceof ModelNotFoundError) throw new NotFoundError(err.message);
        throw err;
      }
    },
  };
}

function toInspection({ inference, testRun }: AddModelResult): ModelInspection {
  return {
    file: inference.graph.file,
    name: inference.name,
    input: inference.input
      ? {
          name: inference.input.name,
          layout: inference.input.layout,
          width: inference.input.width,
          height: inference.input.height,
        }
      : null,
    output: inference.output ?? null,
    classCount: inference.classCount ?? null,
    priorCheck: inference.priorCheck ?? null,
    facts: inference.facts,
    needs: inference.needs,
    problems: inference.problems,
    testRun: testRun
      ? {
          ok: testRun.ok,
          ...(testRun.error ? { error: testRun.error } : {}),
          detections: testRun.detections,
          top: testRun.top,
          milliseconds: testRun.milliseconds,
        }
      : null,
    presets: [...MANIFEST_PRESET_NAMES],
  };
}
