// The staff forms' one parser: zod schemas through @hono/zod-validator, built from fields that read a browser form
// the way it arrives — a missing or repeated field never fails validation (the service decides what is wrong and
// says so on the page), so the validator only turns multipart/urlencoded bodies into typed values.
import { zValidator } from '@hono/zod-validator';
import { z } from 'zod';

/** One text field: its first value, '' when absent (or a file). */
export const text = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string()).catch('');

// Each field maps its raw value in a preprocess step: in zod 4 an object key whose schema is a bare transform is
// refused when the key is missing, which a browser does for an unticked box or an empty file input.

/** A multi-valued field (checkboxes): its text values in order. */
export const texts = z.preprocess(
  (v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x) => typeof x === 'string'),
  z.array(z.string()),
);

/** An uploaded file, or null. */
export const file = z.preprocess((v) => (v instanceof File ? v : null), z.instanceof(File).nullable());

/** Every text field (first value) but the CSRF token: the certificate forms, whose fields come from the registry. */
export const textFields = z
  .record(z.string(), z.unknown())
  .catch({})
  .transform((form) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) {
      const first: unknown = Array.isArray(v) ? v[0] : v;
      if (typeof first === 'string' && k !== '_csrf') out[k] = first;
    }
    return out;
  });

/** Validates a POSTed form against `schema`; read it with `c.req.valid('form')`. */
export const form = <T extends z.ZodType>(schema: T) => zValidator('form', schema);
