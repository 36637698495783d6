import {
  contract,
  type Method,
  type RequestOf,
  type ResponseOf,
  type ShotboxApi,
} from '../../shared/api/contract';
import { defaultProviderChain, providerUnavailableReason } from '../detector/executionProviders';
import { listModels } from '../models/registry';

/** Thrown for a request that does not match the contract; shells answer it as a 400. */
export class ValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** The backend behind both shells. `shell` says which one serves it (shown in the UI). */
export function createBackend(shell: 'electron' | 'browser', version: string): ShotboxApi {
  return {
    async getAppInfo() {
      const { models } = listModels();
      return {
        version,
        shell,
        models: models.map((m) => ({
          name: m.manifest.name,
          ...(m.manifest.title ? { title: m.manifest.title } : {}),
          classes: m.manifest.classes,
          inputWidth: m.manifest.input.width,
          inputHeight: m.manifest.input.height,
          ready: m.ready,
        })),
        providers: defaultProviderChain().map((name) => {
          const reason = providerUnavailableReason(name);
          return { name, available: !reason, ...(reason ? { reason } : {}) };
        }),
      };
    },
  };
}

/**
 * Validates an untrusted request against the contract and calls the backend. The one entry point
 * both shells use, so validation cannot be forgotten in one of them.
 */
export async function dispatch<M extends Method>(
  api: ShotboxApi,
  method: string,
  request: unknown,
): Promise<ResponseOf<M>> {
  if (!Object.hasOwn(contract, method)) throw new ValidationError(`unknown method '${method}'`);
  const m = method as M;
  const parsed = contract[m].request.safeParse(request ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ValidationError(
      `invalid request for ${m}: ${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'rejected'}`,
    );
  }
  const call = api[m] as (r: RequestOf<M>) => Promise<ResponseOf<M>>;
  return call(parsed.data as RequestOf<M>);
}
