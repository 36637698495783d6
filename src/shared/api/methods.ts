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
  'rememberImage',
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
  'cancelJob',
  'listFolder',
  'openProject',
  'openFolder',
  // The SSD lens (lensContract.ts; repeated here because the preload cannot load zod).
  'getLensSource',
  'lensMatchImage',
  'lensCoverage',
  'lensSuggestPriors',
  'lensExplain',
  // "Add model…" (modelsContract.ts).
  'chooseModelFile',
  'inspectModel',
  'addModel',
  'removeModel',
] as const;
