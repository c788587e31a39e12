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
  /** Compact JWS (typ esurety-key+jwt) by which the previously active key certifies this one; null for file keys. */
  endorsement: string | null;
}

export interface ObligeeTable {
  id: string;
  name: string;
  title: string | null;
  rules: string;
  /** Plausibility settings (DESIGN §4 `checks`) as JSON text; null: the defaults, warning only. */
  checks?: string | null;
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
  /** guaranteePeriod.to of the current version (lookup column for the staff list's 有効 / 保証期間満了 filter). */
  guarantee_end: string | null;
  /** The contractor's contact for staff (担当部署, 担当者名, 電話番号) as JSON text; never signed or shown to officers. */
  contractor_contact?: string | null;
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
  /** Space-separated scopes, or `*` (every scope: command-line and pre-scope tokens). */
  scopes: string;
  /** The staff member who made it in the portal; null for the command line. */
  created_by: string | null;
  /** Null while a token with a four-eyes scope waits for a second administrator: it authenticates nothing. */
  approved_at: string | null;
  approved_by: string | null;
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
  /** Hash chain over the log (src/repositories/audit-chain.ts); null only if a row was written around insertAudit. */
  hash: string | null;
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

export interface StaffUserTable {
  id: string;
  email: string;
  role: string;
  password_hash: string;
  totp_secret_jwe: string | null;
  totp_enabled_at: string | null;
  totp_last_step: number | null;
  recovery_codes: string;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A single-use second-factor enrolment link mailed to a new staff account's own address. */
export interface StaffEnrolmentTable {
  jti: string;
  user_id: string;
  /** The administrator who made the account; a different one approves it, and only then is the link mailed. */
  created_by: string;
  approved_by: string | null;
  approved_at: string | null;
  outbox_id: string | null;
  created_at: string;
  used_at: string | null;
  used_client: string | null;
}

export interface StaffSessionTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  mfa_at: string | null;
  pending_totp_jwe: string | null;
}

export interface StaffDraftTable {
  id: string;
  kind: string;
  contract_number: string | null;
  body: string;
  status: string;
  drafted_by: string;
  drafted_at: string;
  decided_by: string | null;
  decided_at: string | null;
  result: string | null;
  error: string | null;
}

/** One step of an application's round trips (staff_draft_steps). */
export interface StaffDraftStepTable {
  draft_id: string;
  seq: number;
  step: string;
  at: string;
  actor_id: string;
  reason: string | null;
}

/** A 申込 form kept across a session expiry, for its account only (staff_form_stash). */
export interface StaffFormStashTable {
  user_id: string;
  form: string;
  fields_jwe: string;
  expires_at: string;
}

export interface MailOutboxTable {
  seq: Generated<number>;
  id: string;
  kind: string;
  contract_number: string | null;
  subscription_id: string | null;
  recipient: string;
  subject: string;
  body_text: string;
  body_html: string;
  /** JSON: which signed links the placeholders of the bodies stand for (signed at sending, never stored). */
  links: string;
  state: 'pending' | 'sent' | 'dead';
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  links_issued_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface MailLinkTable {
  jti: string;
  purpose: string;
  contract_number: string;
  outbox_id: string;
  created_at: string;
  used_at: string | null;
  used_client: string | null;
}

/** One officer's receipt confirmation (受領確認) of one version; a version may have several. */
export interface ReceiptConfirmationTable {
  id: string;
  contract_number: string;
  seq: number;
  department: string;
  officer_name: string;
  confirmed_at: string;
  client: string;
}

export interface MailSubscriptionTable {
  id: string;
  contract_number: string;
  email: string;
  state: 'pending' | 'active';
  created_at: string;
  confirm_sent_at: string;
  confirmed_at: string | null;
  /** guaranteePeriod.to of the current version, kept for scheduling the reminder only (mails render verified data). */
  guarantee_end: string;
  reminded_for: string | null;
}

/** A verification receipt (確認証跡): the signed JWS holds everything; the columns serve lookups and counts. */
export interface VerificationReceiptTable {
  id: string;
  contract_number: string;
  seq: number;
  version_hash: string;
  jws: string;
  issued_at: string;
  client: string;
}

/** Which instance runs a housekeeping job: the holder renews its lease each run; anyone takes an expired one. */
export interface JobLeaseTable {
  name: string;
  holder: string;
  lease_until: string;
  acquired_at: string;
}

/** B-B (no TSA), B-T, B-LT (validation data in a DSS), B-LTA (re-stamped with a document time-stamp). */
export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';

export interface SignedPdfTable {
  contract_number: string;
  seq: number;
  state: 'pending' | 'signed' | 'skipped';
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  level: PadesLevel | null;
  pdf_base64: string | null;
  sha256: string | null;
  created_at: string;
  signed_at: string | null;
}

/** An obligee organisation's API token for the watch API (DESIGN §11), stored as a SHA-256 hash only. */
export interface ObligeeTokenTable {
  id: string;
  obligee_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  /** The staff member who made it in the portal; null for the command line. */
  created_by: string | null;
  /** Null while a portal-made token waits for a second administrator: it authenticates nothing. */
  approved_at: string | null;
  approved_by: string | null;
  revoked_at: string | null;
}

/** A certificate an obligee organisation watches; `expired_for`: the end date whose expiry is already in its feed. */
export interface WatchTable {
  obligee_id: string;
  contract_number: string;
  created_at: string;
  /** The obligee token that registered it. */
  created_by: string;
  expired_for: string | null;
}

/** One event of an obligee's feed; `id` orders the feed (PostgreSQL returns it as a string). */
export interface WatchEventTable {
  id: number | string;
  obligee_id: string;
  contract_number: string;
  seq: number | null;
  event: string;
  target: number | null;
  status: string;
  issued_at: string;
}

/** The feed's id counter: one row, locked by each writer until it commits (so ids become visible in order). */
export interface WatchFeedClockTable {
  name: string;
  last_id: number | string;
}

/** A leaf of the transparency log (DESIGN §12): the digest of one version's JWS, at its index. */
export interface LogLeafTable {
  idx: number;
  /** base64 SHA-256 of the compact JWS (the leaf input). */
  digest: string;
  /** '' and -1 for a leaf restored from a mirror whose version was lost in the rollback (restored_at set). */
  contract_number: string;
  seq: number;
  /** When `log:restore-leaves` put the leaf back (its version lost in the restore); null for a published one. */
  restored_at?: string | null;
}

/** The log's size (one row, name 'log'): the next leaf's index. */
export interface LogHeadTable {
  name: string;
  size: number;
  /** Why the log is on hold (a rollback was detected, services/log-hold.ts); null while it accepts leaves. */
  held: string | null;
}

/** A complete subtree's hash (base64) at a level divisible by 4, written by the checkpoint job. */
export interface LogNodeTable {
  level: number;
  idx: number;
  hash: string;
}

export interface LogCheckpointTable {
  size: number;
  root: string;
  note: string;
  created_at: string;
}

/** What a witness last acknowledged (its verifier key, the checkpoint size). */
export interface LogWitnessTable {
  witness_key: string;
  size: number;
  updated_at: string;
}

/** A witness's verified cosignature line on the checkpoint of that size. */
export interface LogCosignatureTable {
  size: number;
  witness_key: string;
  line: string;
  created_at: string;
}

/** A checkpoint's RFC 3161 time-stamp: the note as stamped and the token (DER, base64). */
export interface LogTimestampTable {
  size: number;
  note: string;
  token: string;
  stamped_at: string;
}

/** A version's place in the public status list (DESIGN §13): list = floor(index / 131072). */
export interface StatusEntryTable {
  status_index: number;
  contract_number: string;
  seq: number;
}

export interface StatusHeadTable {
  name: string;
  size: number;
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
  verification_receipts: VerificationReceiptTable;
  mail_outbox: MailOutboxTable;
  mail_links: MailLinkTable;
  receipt_confirmations: ReceiptConfirmationTable;
  mail_subscriptions: MailSubscriptionTable;
  staff_users: StaffUserTable;
  staff_sessions: StaffSessionTable;
  staff_enrolments: StaffEnrolmentTable;
  staff_drafts: StaffDraftTable;
  job_leases: JobLeaseTable;
  staff_draft_steps: StaffDraftStepTable;
  staff_form_stash: StaffFormStashTable;
  signed_pdfs: SignedPdfTable;
  obligee_tokens: ObligeeTokenTable;
  watches: WatchTable;
  watch_events: WatchEventTable;
  watch_feed_clock: WatchFeedClockTable;
  log_leaves: LogLeafTable;
  status_entries: StatusEntryTable;
  status_head: StatusHeadTable;
  log_head: LogHeadTable;
  log_nodes: LogNodeTable;
  log_checkpoints: LogCheckpointTable;
  log_witnesses: LogWitnessTable;
  log_cosignatures: LogCosignatureTable;
  log_timestamps: LogTimestampTable;
}
