import type { AddedModel, ModelInspection } from '../../../shared/api/modelsContract';
import type { RequestOf } from '../../../shared/api/contract';
import { api } from '../api';
import { setState } from '../state/store';
import { defaultModel } from './boot';

/** "Add model…": the backend inspects, test-runs and registers; the UI only shows and asks. */

export type ModelFields = RequestOf<'inspectModel'>;

export function inspectModel(fields: ModelFields): Promise<ModelInspection> {
  return api.inspectModel(fields);
}

/** Registers the model; on success the picker lists it and it becomes the current model. */
export async function addModel(fields: ModelFields): Promise<AddedModel> {
  const added = await api.addModel(fields);
  if (added.registered) await refreshModels(added.registered);
  return added;
}

export async function removeModel(name: string, current: string | null): Promise<void> {
  await api.removeModel({ name });
  await refreshModels(current === name ? undefined : (current ?? undefined));
}

async function refreshModels(select?: string): Promise<void> {
  const appInfo = await api.getAppInfo({});
  const model = select ?? defaultModel(appInfo.models);
  setState({ appInfo, model });
}

/** Class names from the text box: one a line, blank lines skipped (the backend checks each). */
export function parseClassLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
