import { z } from 'zod';
import { checkClassName } from '../text/unsafeChars';

/** The shared class-name rule (NFC, no controls, no bidi overrides), applied at the boundary. */
export const classNameField = z
  .string()
  .max(1000)
  .transform((raw, ctx) => {
    const check = checkClassName(raw);
    if (check.ok) return check.name;
    ctx.addIssue({ code: 'custom', message: check.reason });
    return z.NEVER;
  });
