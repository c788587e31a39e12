// Use case: an issuer publishes a change (変更), correction (訂正), change cancellation (変更取消) or cancellation
// (取消). History rules first, then field validation of the merged certificate, then one signed version.
import { writeTransaction } from '../../db/connection.js';
import { certificateSchema, IMMUTABLE_FIELDS, mergePatch, type Certificate } from '../domain/certificate.js';
import { toJstIso } from '../domain/format.js';
import {
  currentVersion,
  historyViolation,
  nextIssuedAt,
  visibleHistory,
  type VersionEvent,
} from '../domain/history.js';
import { versionRequestSchema } from '../domain/requests.js';
import { DomainError, type FieldIssue } from '../errors.js';
import { insertAudit } from '../repositories/audit-log.js';
import { findIdempotentAnswer, insertIdempotentAnswer } from '../repositories/idempotency.js';
import { findSuretyForUpdate, insertVersion, updateSurety } from '../repositories/sureties.js';
import { jwsHash, signVersion, type VersionPayload } from '../signing/versions.js';
import type { Actor, ServiceContext } from './context.js';
import { isUniqueViolation } from './db-errors.js';
import { requestHash, reusedKeyConflict } from './idempotency.js';
import { queueVersionMails } from './notifications.js';
import { loadSuretyState } from './surety-state.js';
import { parseOrThrow } from './validation.js';
import { recordVersionEvent } from './watch-feed.js';

export interface PublishedVersion {
  seq: number;
  event: VersionEvent;
  target: number | null;
  issuedAt: string;
  jws: string;
}

/**
 * Publishes a version. With an idempotency key (per API token, shared with publication), the same body for the same
 * guarantee answers the first version again and writes nothing; another body, or another route, is a conflict. An
 * issuer whose answer was lost can therefore retry a 変更 without publishing it twice.
 * @throws DomainError not_found | invalid_event | validation_failed | conflict | internal (stored chain fails
 *   verification)
 */
export async function publishVersion(
  ctx: ServiceContext,
  actor: Actor,
  contractNumber: string,
  body: unknown,
  idempotencyKey?: string,
): Promise<PublishedVersion> {
  const attempt = () => publishVersionOnce(ctx, actor, contractNumber, body, idempotencyKey);
  try {
    return await attempt();
  } catch (error) {
    // The same key sent for two guarantees at once: the loser retries and meets the winner's answer (a conflict).
    if (idempotencyKey !== undefined && isUniqueViolation(error)) return attempt();
    throw error;
  }
}

async function publishVersionOnce(
  ctx: ServiceContext,
  actor: Actor,
  contractNumber: string,
  body: unknown,
  idempotencyKey: string | undefined,
): Promise<PublishedVersion> {
  const hash = requestHash(body, `POST /sureties/${contractNumber}/versions`);
  // Only the event must be readable before the history rules run (§3: history rules come before field validation).
  const raw = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const event = parseOrThrow(versionRequestSchema.shape.event, raw.event, ['event']);
  const target = typeof raw.target === 'number' ? raw.target : null;

  return writeTransaction(ctx.db, async (tx) => {
    const surety = await findSuretyForUpdate(tx, contractNumber);
    if (!surety) throw new DomainError('not_found', `保証契約番号 ${contractNumber} の保証は登録されていません`);
    // Read under the guarantee's row lock: a retry racing its original waits for it and then sees its answer.
    if (idempotencyKey !== undefined) {
      const previous = await findIdempotentAnswer(tx, actor.id, idempotencyKey);
      if (previous) {
        if (previous.request_hash !== hash) throw reusedKeyConflict();
        return JSON.parse(previous.response) as PublishedVersion;
      }
    }
    const loaded = await loadSuretyState(ctx, contractNumber, tx);
    if (loaded.kind !== 'ok') {
      throw new DomainError('internal', '保存されている保証データの署名を検証できないため、履歴を追加できません');
    }
    const { versions } = loaded.state;
    const violation = historyViolation(versions, { event, target });
    if (violation) throw new DomainError('invalid_event', violation);

    const request = parseOrThrow(versionRequestSchema, body);
    const issues: FieldIssue[] = [];
    const needsTarget = request.event === 'correction' || request.event === 'change_cancellation';
    const needsChanges = request.event === 'change' || request.event === 'correction';
    if (needsTarget && request.target === undefined)
      issues.push({ path: 'target', message: 'target（対象の版）が必要です' });
    if (!needsTarget && request.target !== undefined)
      issues.push({ path: 'target', message: `${request.event} には target を指定できません` });
    if (needsChanges && (request.changes === undefined || Object.keys(request.changes).length === 0)) {
      issues.push({ path: 'changes', message: 'changes（変更する項目）が必要です' });
    }
    if (!needsChanges && request.changes !== undefined) {
      issues.push({ path: 'changes', message: `${request.event} には changes を指定できません` });
    }
    for (const field of IMMUTABLE_FIELDS) {
      if (request.changes && field in request.changes) {
        issues.push({ path: `changes.${field}`, message: 'この項目は変更できません' });
      }
    }
    if (issues.length > 0) throw new DomainError('validation_failed', '入力内容に誤りがあります', { issues });

    const current = currentVersion(versions);
    let certificate: Certificate;
    if (request.event === 'change' || request.event === 'correction') {
      certificate = parseOrThrow(certificateSchema, mergePatch(current.certificate, request.changes), ['changes']);
    } else if (request.event === 'change_cancellation') {
      // The restored state: the latest visible version once the cancelled change is hidden.
      const restored = visibleHistory(versions)
        .filter((v) => v.seq !== current.seq)
        .at(-1);
      certificate = (restored ?? current).certificate;
    } else {
      certificate = current.certificate;
    }

    const last = versions[versions.length - 1];
    if (!last) throw new Error('unreachable: a loaded surety has versions');
    const seq = last.seq + 1;
    const { at: now, clockBehindMs } = nextIssuedAt(ctx.clock(), last.issuedAt);
    if (clockBehindMs > 0) {
      ctx.logger.warn(
        { contractNumber, seq, clockBehindMs, previousIssuedAt: last.issuedAt },
        'clock is behind the previous version: issued 1 ms after it instead (check NTP)',
      );
    }
    const issuedAt = toJstIso(now);
    const payload: VersionPayload = {
      iss: ctx.config.publicUrl,
      sub: contractNumber,
      seq,
      event: request.event,
      target: request.target ?? null,
      reason: request.reason ?? null,
      issuedAt,
      prev: jwsHash(last.jws),
      status: request.event === 'cancellation' ? 'cancelled' : 'active',
      certificate,
    };
    const jws = await signVersion(ctx.keyring, payload);
    const at = now.toISOString();
    await insertVersion(tx, {
      contract_number: contractNumber,
      seq,
      event: request.event,
      target: payload.target,
      jws,
      issued_at: issuedAt,
    });
    await recordVersionEvent(tx, payload);
    await updateSurety(tx, contractNumber, {
      latest_seq: seq,
      updated_at: at,
      works_name: certificate.works.name,
      contractor_name: certificate.contractor.name,
      guarantee_end: certificate.guaranteePeriod.to,
    });
    await insertAudit(tx, {
      at,
      actor_type: actor.type,
      actor_id: actor.id,
      action: `surety.${request.event}`,
      contract_number: contractNumber,
      detail: JSON.stringify({ seq, event: request.event, target: payload.target, reason: payload.reason }),
    });
    await queueVersionMails(ctx, tx, contractNumber, seq);
    const version: PublishedVersion = { seq, event: request.event, target: payload.target, issuedAt, jws };
    if (idempotencyKey !== undefined) {
      await insertIdempotentAnswer(tx, {
        token_id: actor.id,
        idem_key: idempotencyKey,
        request_hash: hash,
        status: 201,
        response: JSON.stringify(version),
        created_at: at,
      });
    }
    return version;
  });
}
