// An RFC 3161 time-stamp client (ESURETY_TSA_URL): asks the authority to time-stamp a SHA-256 digest and checks that
// the token it returns is over that digest and answers this request's nonce. Credentials in the URL's userinfo are
// sent as HTTP basic authentication and never appear in an error message.
import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { arrayBuffer, OID, type TimeStamper } from './cms.js';

export class TimeStampError extends Error {}

/** The URL without its userinfo, for messages. */
export function publicTsaUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString();
}

export function tsaClient(url: string, timeoutMs = 15_000): TimeStamper {
  const target = new URL(url);
  const headers: Record<string, string> = { 'Content-Type': 'application/timestamp-query' };
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    const password = decodeURIComponent(target.password);
    headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }
  const endpoint = publicTsaUrl(url);
  return async (digest) => {
    const nonce = randomBytes(8);
    // A positive INTEGER in minimal DER: a first byte of 0x00 (then a byte below 0x80) would be padding, which
    // OpenSSL's TSA rejects as a malformed request (status 2) — about one request in 128 before this.
    nonce[0] = (nonce[0]! & 0x3f) | 0x40;
    const request = new pkijs.TimeStampReq({
      version: 1,
      messageImprint: new pkijs.MessageImprint({
        hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
        hashedMessage: new asn1js.OctetString({ valueHex: arrayBuffer(digest) }),
      }),
      nonce: new asn1js.Integer({ valueHex: arrayBuffer(nonce) }),
      certReq: true,
    });
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: new Uint8Array(request.toSchema().toBER()),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new TimeStampError(`the time-stamp authority ${endpoint} did not answer: ${(error as Error).message}`);
    }
    if (!response.ok) throw new TimeStampError(`the time-stamp authority ${endpoint} answered HTTP ${response.status}`);
    const body = new Uint8Array(await response.arrayBuffer());
    let reply: pkijs.TimeStampResp;
    try {
      reply = pkijs.TimeStampResp.fromBER(arrayBuffer(body));
    } catch {
      throw new TimeStampError(
        `the time-stamp authority ${endpoint} answered something that is not a time-stamp reply`,
      );
    }
    // PKIStatus 0 granted, 1 grantedWithMods; anything else carries no token.
    if (reply.status.status > 1 || !reply.timeStampToken) {
      throw new TimeStampError(
        `the time-stamp authority ${endpoint} refused the request (status ${reply.status.status})`,
      );
    }
    const signed = new pkijs.SignedData({ schema: reply.timeStampToken.content });
    const content = signed.encapContentInfo.eContent;
    if (!content) throw new TimeStampError(`the time-stamp token of ${endpoint} has no TSTInfo`);
    const info = pkijs.TSTInfo.fromBER(content.getValue());
    const imprint = new Uint8Array(info.messageImprint.hashedMessage.valueBlock.valueHexView);
    const answeredNonce = info.nonce ? Buffer.from(info.nonce.valueBlock.valueHexView) : null;
    if (!Buffer.from(imprint).equals(Buffer.from(digest)) || !answeredNonce?.equals(stripZero(nonce))) {
      throw new TimeStampError(`the time-stamp token of ${endpoint} is not over this request`);
    }
    return new Uint8Array(reply.timeStampToken.toSchema().toBER());
  };
}

/** The INTEGER's content octets as DER writes them (no leading zero byte unless the next has its high bit set). */
function stripZero(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0 && (bytes[i + 1]! & 0x80) === 0) i++;
  return Buffer.from(bytes.subarray(i));
}
