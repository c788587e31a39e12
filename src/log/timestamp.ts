// RFC 3161 time-stamps of checkpoints (DESIGN §12): the message imprint is SHA-256 over the checkpoint's signed note
// exactly as served; the stored token is served wrapped as a TimeStampResp (`application/timestamp-reply`), and a
// monitor reads one back: its imprint, its time and whether the authority's signature over it holds.
import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';

const SHA256 = '2.16.840.1.101.3.4.2.1';
const TST_INFO = '1.2.840.113549.1.9.16.1.4';

const buffer = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;

/** What a checkpoint's time-stamp covers: SHA-256 of the note's UTF-8 bytes. */
export function checkpointImprint(note: string): Buffer {
  return createHash('sha256').update(note, 'utf8').digest();
}

/** A TimeStampToken (CMS ContentInfo, DER) as a granted TimeStampResp (RFC 3161 §2.4.2), DER. */
export function timestampReply(token: Uint8Array): Uint8Array<ArrayBuffer> {
  const reply = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    timeStampToken: pkijs.ContentInfo.fromBER(buffer(token)),
  });
  return new Uint8Array(reply.toSchema().toBER());
}

export class TimestampReadError extends Error {
  override name = 'TimestampReadError';
}

export interface ReadTimestamp {
  hashAlgorithm: string;
  imprint: Buffer;
  genTime: Date;
  /**
   * The signer's signature over the TSTInfo verifies with the certificate the token carries (no trust chain), and
   * its imprint is over `message`.
   */
  signatureValid: boolean;
}

/**
 * Reads a TimeStampResp stamped over `message`.
 * @throws TimestampReadError when it is not a granted reply with a TSTInfo
 */
export async function readTimestampReply(der: Uint8Array, message: Uint8Array): Promise<ReadTimestamp> {
  let signed: pkijs.SignedData;
  let info: pkijs.TSTInfo;
  try {
    const reply = pkijs.TimeStampResp.fromBER(buffer(der));
    if (reply.status.status > 1 || !reply.timeStampToken) throw new TimestampReadError('not a granted reply');
    signed = new pkijs.SignedData({ schema: reply.timeStampToken.content });
    const content = signed.encapContentInfo.eContent;
    if (signed.encapContentInfo.eContentType !== TST_INFO || !content) throw new TimestampReadError('no TSTInfo');
    info = pkijs.TSTInfo.fromBER(content.getValue());
  } catch (error) {
    if (error instanceof TimestampReadError) throw error;
    throw new TimestampReadError('not an RFC 3161 time-stamp reply', { cause: error });
  }
  const signatureValid = await signed.verify({ signer: 0, checkChain: false, data: buffer(message) }).then(
    (ok) => ok === true,
    () => false,
  );
  return {
    hashAlgorithm: info.messageImprint.hashAlgorithm.algorithmId === SHA256 ? 'sha256' : 'other',
    imprint: Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView),
    genTime: info.genTime,
    signatureValid,
  };
}
