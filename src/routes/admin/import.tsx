// /admin/import (一括登録): a CSV of applications, checked whole; a clean file becomes one application to approve.
import { Hono } from 'hono';
import { z } from 'zod';
import { ImportPage } from '../../../views/admin/pages/drafts.js';
import type { ServiceContext } from '../../services/context.js';
import { draftImport } from '../../services/staff/drafts.js';
import { validateCsv } from '../../services/staff/import.js';
import { file, form } from './form.js';
import { staffGuard } from './guard.js';
import { page, props, type AdminEnv } from './kit.js';

export function importRoutes(ctx: ServiceContext): Hono<AdminEnv> {
  const guard = staffGuard(ctx);
  const app = new Hono<AdminEnv>();

  app.get('/import', guard('import.form'), (c) => page(c, <ImportPage {...props(c)} />));

  app.post('/import', guard('import.upload'), form(z.object({ file })), async (c) => {
    const upload = c.req.valid('form').file;
    const { rows, errors, encoding } = await validateCsv(ctx, upload ? new Uint8Array(await upload.arrayBuffer()) : '');
    if (errors.length > 0) return page(c, <ImportPage {...props(c)} errors={errors} encoding={encoding} />, 422);
    const id = await draftImport(ctx, c.get('staff').actor, rows);
    const flash = encoding === 'Shift_JIS' ? 'draft.importedShiftJis' : 'draft.created';
    return c.redirect(`/admin/drafts/${id}?flash=${flash}`, 303);
  });

  return app;
}
