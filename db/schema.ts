// The one Database interface: every table as Kysely sees it. Dates are ISO-8601 text, money integer yen,
// booleans are never stored (state is derived), JSON is text.
import type { Generated } from 'kysely';

export interface MetaTable {
  key: string;
  value: string;
}

export interface SigningKeyTable {
  kid: string;
  public_jwk: string;
  created_at: string;
  retired_at: string | null;
}

export interface ObligeeTable {
  id: string;
  name: string;
  title: string | null;
  rules: string;
  created_at: string;
  updated_at: string;
}

export interface OfficeSequenceTable {
  office_code: string;
  last_value: number;
}

export interface SuretyTable {
  contract_number: string;
  product: string;
  obligee_id: string;
  works_name: string;
  contractor_name: string;
  contractor_email: string | null;
  auth_key_hmac: string;
  auth_key_jwe: string;
  latest_seq: number;
  created_at: string;
  updated_at: string;
}

export interface VersionTable {
  contract_number: string;
  seq: number;
  event: string;
  target: number | null;
  jws: string;
  issued_at: string;
}

export interface ApiTokenTable {
  id: string;
  name: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface IdempotencyKeyTable {
  token_id: string;
  idem_key: string;
  request_hash: string;
  status: number;
  response: string;
  created_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_type: string;
  actor_id: string;
  action: string;
  contract_number: string | null;
  detail: string;
}

export interface ThrottleCounterTable {
  bucket: string;
  window_ends: number;
  failures: number;
}

export interface AccessEventTable {
  id: Generated<number>;
  at: string;
  kind: string;
  channel: string;
  outcome: string;
  contract_number: string | null;
  seq: number | null;
  client: string;
}

export interface AlertTable {
  id: Generated<number>;
  at: string;
  kind: string;
  contract_number: string | null;
  detail: string;
}

export interface Database {
  meta: MetaTable;
  signing_keys: SigningKeyTable;
  obligees: ObligeeTable;
  office_sequences: OfficeSequenceTable;
  sureties: SuretyTable;
  versions: VersionTable;
  api_tokens: ApiTokenTable;
  idempotency_keys: IdempotencyKeyTable;
  audit_log: AuditLogTable;
  throttle_counters: ThrottleCounterTable;
  access_events: AccessEventTable;
  alerts: AlertTable;
}
