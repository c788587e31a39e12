// The ordered list of migrations. Add new files here; never edit a shipped migration.
import type { Migration } from 'kysely/migration';
import * as createCore from './20261124000000_create_core.js';
import * as createReceipts from './20261124010000_create_receipts.js';
import * as chainAuditLog from './20261124020000_chain_audit_log.js';
import * as createOutbox from './20261124030000_create_outbox.js';
import * as createStaff from './20261124040000_create_staff.js';
import * as addSuretiesGuaranteeEnd from './20261125010000_add_sureties_guarantee_end.js';
import * as indexIdempotencyKeys from './20261125020000_index_idempotency_keys.js';
import * as addSigningKeysEndorsement from './20261205010000_add_signing_keys_endorsement.js';
import * as addApiTokensScopes from './20261205030000_add_api_tokens_scopes.js';
import * as createStaffEnrolments from './20261205030001_create_staff_enrolments.js';
import * as rebuildReceiptConfirmations from './20261205050000_rebuild_receipt_confirmations.js';
import * as createJobLeases from './20261205080000_create_job_leases.js';
import * as indexAccessEventsOutcome from './20261205090000_index_access_events_outcome.js';
import * as createStaffDraftSteps from './20261206010000_create_staff_draft_steps.js';
import * as createSignedPdfs from './20261206090000_create_signed_pdfs.js';
import * as addObligeesChecks from './20261206020000_add_obligees_checks.js';
import * as addSuretiesContractorContact from './20261206020001_add_sureties_contractor_contact.js';
import * as createWatches from './20261206060000_create_watches.js';
import * as createLog from './20261206080000_create_log.js';
import * as createLogWitnesses from './20261207030000_create_log_witnesses.js';
import * as addLogLeavesRestoredAt from './20261207050000_add_log_leaves_restored_at.js';
import * as createLogTimestamps from './20261207020000_create_log_timestamps.js';
import * as createStatusEntries from './20261207060000_create_status_entries.js';

export const migrations: Record<string, Migration> = {
  '20261124000000_create_core': createCore,
  '20261124010000_create_receipts': createReceipts,
  '20261124020000_chain_audit_log': chainAuditLog,
  '20261124030000_create_outbox': createOutbox,
  '20261124040000_create_staff': createStaff,
  '20261125010000_add_sureties_guarantee_end': addSuretiesGuaranteeEnd,
  '20261125020000_index_idempotency_keys': indexIdempotencyKeys,
  '20261205010000_add_signing_keys_endorsement': addSigningKeysEndorsement,
  '20261205030000_add_api_tokens_scopes': addApiTokensScopes,
  '20261205030001_create_staff_enrolments': createStaffEnrolments,
  '20261205050000_rebuild_receipt_confirmations': rebuildReceiptConfirmations,
  '20261205080000_create_job_leases': createJobLeases,
  '20261205090000_index_access_events_outcome': indexAccessEventsOutcome,
  '20261206010000_create_staff_draft_steps': createStaffDraftSteps,
  '20261206090000_create_signed_pdfs': createSignedPdfs,
  '20261206020000_add_obligees_checks': addObligeesChecks,
  '20261206020001_add_sureties_contractor_contact': addSuretiesContractorContact,
  '20261206060000_create_watches': createWatches,
  '20261206080000_create_log': createLog,
  '20261207030000_create_log_witnesses': createLogWitnesses,
  '20261207050000_add_log_leaves_restored_at': addLogLeavesRestoredAt,
  '20261207020000_create_log_timestamps': createLogTimestamps,
  '20261207060000_create_status_entries': createStatusEntries,
};
