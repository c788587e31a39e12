// The ordered list of migrations. Add new files here; never edit a shipped migration.
import type { Migration } from 'kysely';
import * as createCore from './20261124000000_create_core.js';

export const migrations: Record<string, Migration> = {
  '20261124000000_create_core': createCore,
};
