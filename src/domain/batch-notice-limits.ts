// How often the key notices of one import may be downloaded (batch-notices.ts enforces it, the page states it):
// a constant shared by a service and a page lives here, so the page need not import a service that reaches the
// database and the PDF pool.

export const BATCH_NOTICE_LIMITS = Object.freeze({
  windowMs: 24 * 60 * 60_000,
  /** Downloads of one batch (by anyone) in the window; one more is refused (429) until the window passes. */
  max: 3,
});
