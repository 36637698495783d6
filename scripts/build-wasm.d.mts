// Types of build-wasm.mjs, for the test that checks the embedded kernels are current.
export interface Kernel {
  wat: string;
  out: string;
  name: string;
}
export const KERNELS: Kernel[];
export function assemble(watFile: string): Promise<string>;
export function moduleText(kernel: Kernel, base64: string): string;
