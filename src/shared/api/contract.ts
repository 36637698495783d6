import { z } from 'zod';

/**
 * The API between the UI and the backend: one definition for both shells (Electron IPC through
 * the preload bridge, and browser mode over HTTP). Each entry has a request schema the backend
 * validates as if the page were untrusted, and a response type.
 */

export const ModelSummarySchema = z.object({
  name: z.string(),
  title: z.string().optional(),
  classes: z.array(z.string()),
  inputWidth: z.number(),
  inputHeight: z.number(),
  ready: z.boolean(),
});
export type ModelSummary = z.infer<typeof ModelSummarySchema>;

export const AppInfoSchema = z.object({
  version: z.string(),
  shell: z.enum(['electron', 'browser']),
  models: z.array(ModelSummarySchema),
  /** Execution providers in the order they would be tried, with availability. */
  providers: z.array(
    z.object({ name: z.string(), available: z.boolean(), reason: z.string().optional() }),
  ),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const contract = {
  getAppInfo: { request: z.object({}).strict(), response: AppInfoSchema },
} as const;

export type Contract = typeof contract;
export type Method = keyof Contract;
export type RequestOf<M extends Method> = z.infer<Contract[M]['request']>;
export type ResponseOf<M extends Method> = z.infer<Contract[M]['response']>;

/** What the UI calls: `window.api` in Electron, an HTTP client in browser mode. */
export type ShotboxApi = { [M in Method]: (request: RequestOf<M>) => Promise<ResponseOf<M>> };

export const METHODS = Object.keys(contract) as Method[];
