/**
 * The contract's method names, without zod, for the sandboxed preload (which cannot load
 * packages). contract.ts checks at compile time that this list and the contract agree.
 */
export const METHOD_NAMES = [
  'getAppInfo',
  'getProject',
  'getStats',
  'listImages',
  'getImage',
  'setImageStatus',
  'markReviewed',
  'listClasses',
  'createClass',
  'renameClass',
  'recolorClass',
  'mergeClasses',
  'deleteClass',
  'createAnnotation',
  'updateAnnotations',
  'deleteAnnotations',
  'undo',
  'redo',
  'detectImage',
  'detectImages',
  'detectFolder',
  'cancelJob',
  'pauseJob',
  'resumeJob',
  'listJobs',
  'getJob',
] as const;
