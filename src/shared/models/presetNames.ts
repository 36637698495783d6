/**
 * The framework presets `models add` knows (issue 12): the names a page may send and a manifest
 * may give. Their fields live in core (`core/models/addPresets.ts`).
 */
export const PRESET_NAMES = [
  'torchvision-ssd300',
  'torchvision-ssdlite320',
  'tf-od-api-ssd',
  'caffe-ssd',
] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
