#!/usr/bin/env node
// `npm start`: the compiled server from dist/ (built first when the sources are newer).
import './require-node.js';
import { existsSync } from 'node:fs';

// A source checkout builds when needed; an installed image (no scripts/) runs the dist/ it was built with.
const builder = new URL('../scripts/build.mjs', import.meta.url);
if (existsSync(builder)) await (await import(builder.href)).ensureBuilt();
await import('../dist/server.js');
