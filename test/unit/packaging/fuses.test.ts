import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { Arch, type AfterPackContext } from 'electron-builder';
import { afterAll, describe, expect, it } from 'vitest';
import { builderConfig } from '../../../scripts/packaging/builderConfig';
import { applyFuses, SHOTBOX_FUSES } from '../../../scripts/packaging/fuses';
import { generatedDir } from '../../helpers/paths';

// Issue 8.8: the packaging config applies the fuses. The Electron binary cannot be downloaded
// here, so the hook runs on a file carrying a real fuse wire (sentinel, version, states) as
// Electron 45 ships it, and @electron/fuses itself reads the result back.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, inspect on, … */
const ELECTRON_DEFAULT_WIRE = '101100011';

async function fakeElectron(dir: string, wire: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'shotbox');
  await writeFile(
    file,
    Buffer.concat([
      randomBytes(4096),
      Buffer.from(SENTINEL),
      Buffer.from([1, wire.length]),
      Buffer.from(wire),
      randomBytes(4096),
    ]),
  );
  return file;
}

const contextFor = (appOutDir: string): AfterPackContext =>
  ({
    appOutDir,
    outDir: appOutDir,
    electronPlatformName: 'linux',
    arch: Arch.x64,
    targets: [],
    packager: { appInfo: { productFilename: 'Shotbox' } },
  }) as unknown as AfterPackContext;

describe('packaging: Electron fuses', () => {
  const work = path.join(generatedDir, 'fuses');
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('lists the fuses the security checklist requires', () => {
    expect(SHOTBOX_FUSES[FuseV1Options.RunAsNode]).toBe(false);
    expect(SHOTBOX_FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(SHOTBOX_FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(SHOTBOX_FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(SHOTBOX_FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(SHOTBOX_FUSES[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(SHOTBOX_FUSES.strictlyRequireAllFuses).toBe(true);
  });

  it('is applied by the packaging config, which packs the app into an ASAR', () => {
    expect(builderConfig.afterPack).toBe(applyFuses);
    expect(builderConfig.asar).toBe(true);
    expect(builderConfig.electronFuses).toBeNull();
  });

  it('flips the wire of a packed binary to exactly that list', async () => {
    const dir = path.join(work, 'packed');
    const binary = await fakeElectron(dir, ELECTRON_DEFAULT_WIRE);
    await applyFuses(contextFor(dir));
    const wire = await getCurrentFuseWire(binary);
    const state = (o: FuseV1Options): FuseState | undefined => wire[o];
    expect(state(FuseV1Options.RunAsNode)).toBe(FuseState.DISABLE);
    expect(state(FuseV1Options.EnableCookieEncryption)).toBe(FuseState.ENABLE);
    expect(state(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(FuseState.DISABLE);
    expect(state(FuseV1Options.EnableNodeCliInspectArguments)).toBe(FuseState.DISABLE);
    expect(state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(FuseState.ENABLE);
    expect(state(FuseV1Options.OnlyLoadAppFromAsar)).toBe(FuseState.ENABLE);
    expect(state(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(FuseState.DISABLE);
  });

  it('fails the packaging when Electron adds a fuse nobody decided on', async () => {
    const dir = path.join(work, 'future');
    await fakeElectron(dir, `${ELECTRON_DEFAULT_WIRE}1`);
    await expect(applyFuses(contextFor(dir))).rejects.toThrow(/strictlyRequireAllFuses/);
  });
});
