// Use case: several new guarantees that stand or fall together — the 前払金保証 and the 契約保証 of one 申込. Every body
// is validated first, then all are published through publishSuretyIn in ONE write transaction: a refusal of any of
// them (eligibility, a taken number) rolls back the others, so an approver never leaves half an application issued.
import { writeTransaction } from '../../db/connection.js';
import type { Product } from '../domain/certificate.js';
import { DomainError } from '../errors.js';
import { translator } from '../i18n/index.js';
import type { Actor, ServiceContext } from './context.js';
import { isUniqueViolation } from './db-errors.js';
import { deferNumberRecords } from './number-hold.js';
import { preparePublication, publishSuretyIn, type PublishResult } from './publish-surety.js';

const ja = translator('ja');

/** The error of one guarantee, naming it (契約保証: …), its field issues kept. */
function naming(error: unknown, body: Record<string, unknown>): unknown {
  if (!(error instanceof DomainError)) return error;
  const product = typeof body.product === 'string' ? ja(`product.${body.product as Product}`) : '';
  const named = new DomainError(error.code, product ? `${product}: ${error.message}` : error.message, {
    ...(error.issues ? { issues: error.issues } : {}),
  });
  named.cause = error;
  return named;
}

/**
 * Publishes every body or none. Body i is published under the idempotency key `<keyPrefix>:<i>`, so a retried
 * approval returns the same guarantees instead of issuing them twice.
 * @throws DomainError validation_failed | obligee_not_eligible | conflict — of the first refused body, naming its
 *   product; nothing is published then
 */
export async function publishSuretySet(
  ctx: ServiceContext,
  actor: Actor,
  bodies: Record<string, unknown>[],
  keyPrefix: string,
): Promise<PublishResult[]> {
  const prepared = bodies.map((body) => {
    try {
      return preparePublication(body);
    } catch (error) {
      throw naming(error, body);
    }
  });
  const attempt = async () => {
    let numbers: { flush(): void } | undefined;
    const results = await writeTransaction(ctx.db, async (tx) => {
      numbers = deferNumberRecords(ctx, tx);
      const out: PublishResult[] = [];
      for (const [i, publication] of prepared.entries()) {
        try {
          const { replayed: _r, ...answer } = await publishSuretyIn(ctx, tx, actor, publication, `${keyPrefix}:${i}`);
          out.push(answer);
        } catch (error) {
          throw naming(error, bodies[i] as Record<string, unknown>);
        }
      }
      return out;
    });
    // Committed: the numbers are recorded outside the database before anyone is told them (number-hold.ts).
    numbers?.flush();
    return results;
  };
  try {
    return await attempt();
  } catch (error) {
    if (isUniqueViolation(error)) return attempt();
    throw error;
  }
}
