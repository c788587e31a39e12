// The OpenAPI 3.1 document of /api/v1, generated from the route definitions the API's sub-apps serve (routes/api.ts).
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './routes/http.js';

/** One document for every sub-app mounted at /api/v1 (paths relative to the server URL). */
export function apiDocument(publicUrl: string, apps: readonly OpenAPIHono<AppEnv>[]) {
  const all = new OpenAPIHono<AppEnv>();
  // route() merges each app's registry (paths, components, security schemes) into this one's.
  for (const app of apps) all.route('/', app);
  return all.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'e-Surety Platform API (電子保証プラットフォーム)', version: '1.0.0' },
    servers: [{ url: `${publicUrl}/api/v1` }],
  });
}
