import path from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';
import { Arch, type AfterPackContext } from 'electron-builder';

/**
 * Electron's fuses as every packaged Shotbox ships them (docs/SECURITY.md §8). Fuses are bits
 * in the Electron binary itself, so no environment variable or command-line flag can turn these
 * features back on for the installed app.
 */
export const SHOTBOX_FUSES = {
  version: FuseVersion.V1,
  // Every fuse this Electron knows must be set here: a new one fails the packaging step.
  strictlyRequireAllFuses: true,
  // ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node interpreter.
  [FuseV1Options.RunAsNode]: false,
  // Cookies and local storage encrypted with the OS keychain.
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS (--require a script) and --inspect would run foreign code in main.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // app.asar is checked against the hash embedded at packaging, and the app loads only from it.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  // The renderer comes from shotbox-app://, so file:// needs no extra privileges.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  // Default on in Electron; WebAssembly (tfjs-wasm) keeps its fast bounds checks.
  [FuseV1Options.WasmTrapHandlers]: true,
} as const satisfies FuseV1Config;

/** Where the packed Electron binary (the file holding the fuse wire) is. */
export function packedElectronPath(context: {
  appOutDir: string;
  electronPlatformName: string;
  productFilename: string;
  executableName: string;
}): string {
  const { appOutDir, electronPlatformName: platform } = context;
  if (platform === 'darwin' || platform === 'mas')
    return path.join(appOutDir, `${context.productFilename}.app`);
  if (platform === 'win32') return path.join(appOutDir, `${context.executableName}.exe`);
  return path.join(appOutDir, context.executableName);
}

/** The binary's name on Linux and Windows (the config sets it; macOS uses the product name). */
export const EXECUTABLE_NAME = 'shotbox';

/** electron-builder's afterPack hook: flips the fuses in the packed binary, before signing. */
export async function applyFuses(context: AfterPackContext): Promise<void> {
  const binary = packedElectronPath({
    appOutDir: context.appOutDir,
    electronPlatformName: context.electronPlatformName,
    productFilename: context.packager.appInfo.productFilename,
    executableName: EXECUTABLE_NAME,
  });
  await flipFuses(binary, {
    ...SHOTBOX_FUSES,
    // Flipping bits breaks the ad-hoc signature of arm64 macOS builds: re-sign ad hoc.
    resetAdHocDarwinSignature:
      context.electronPlatformName === 'darwin' && context.arch === Arch.arm64,
  });
}
