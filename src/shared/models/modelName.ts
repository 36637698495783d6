/**
 * What a registered model's name may look like: no path separators and no leading dot, so a
 * name can never be read as a file path (DESIGN.md §10: the API takes model names, never paths).
 */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
