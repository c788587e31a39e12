// CAdES detached signatures (CMS SignedData, RFC 5652) as PAdES baseline profiles require them (ETSI EN 319 142-1):
// content-type, message-digest and signing-certificate-v2 signed attributes, no signing-time (a PDF's signing time is
// the signature dictionary's /M), and for B-T an RFC 3161 signature time-stamp token as an unsigned attribute.
// The private key never passes through here: `SealSigner.sign` signs the DER of the signed attributes, whether the
// key is in a PKCS#12 file or in a PKCS#11 token.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  rsaWithSha256: '1.2.840.113549.1.1.11',
} as const;

/** A key that signs (the e-seal): its certificate first, then the chain, all DER. */
export interface SealSigner {
  /** ES256 (ECDSA P-256) or RS256 (RSA PKCS#1 v1.5), both with SHA-256. */
  algorithm: 'ES256' | 'RS256';
  certificates: Uint8Array[];
  /** Signs `data` with SHA-256; an ECDSA signature DER-encoded (SEQUENCE of r, s), as CMS carries it. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** Where the key is held, for start-up messages and the settings screen (never a secret). */
  describe: string;
}

/** Returns an RFC 3161 TimeStampToken (a CMS ContentInfo, DER) over a SHA-256 digest. */
export type TimeStamper = (digest: Uint8Array) => Promise<Uint8Array>;

export const arrayBuffer = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;

export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(arrayBuffer(der));
}

/** ESS signing-certificate-v2 (RFC 5035): binds the signature to the signer's certificate by its SHA-256. */
function signingCertificateV2(der: Uint8Array, cert: pkijs.Certificate): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        // GeneralNames: [4] directoryName (explicit, since Name is a CHOICE)
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] })],
      }),
      cert.serialNumber,
    ],
  });
  const certId = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: arrayBuffer(createHash('sha256').update(der).digest()) }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [certId] })] });
}

/**
 * The CMS SignedData (in a ContentInfo, DER) of a detached signature over `content`'s SHA-256.
 * @param timestamp when given, the signature is time-stamped (PAdES B-T); otherwise it is B-B
 */
export async function cadesDetached(
  content: Uint8Array,
  signer: SealSigner,
  timestamp?: TimeStamper,
): Promise<Uint8Array> {
  const [signerDer, ...chainDer] = signer.certificates;
  if (!signerDer) throw new Error('the signing certificate is missing');
  const signerCert = parseCertificate(signerDer);
  const digest = createHash('sha256').update(content).digest();
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: [
      new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
      new pkijs.Attribute({
        type: OID.messageDigest,
        values: [new asn1js.OctetString({ valueHex: arrayBuffer(digest) })],
      }),
      new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(signerDer, signerCert)] }),
    ],
  });
  // RFC 5652 §5.4: the signature is over the DER of the attributes as a SET OF (tag 0x31), not the [0] IMPLICIT form.
  const toSign = new Uint8Array(signedAttrs.toSchema().toBER());
  toSign[0] = 0x31;
  const signature = await signer.sign(toSign);
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: signerCert.issuer, serialNumber: signerCert.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
    signedAttrs,
    signatureAlgorithm: new pkijs.AlgorithmIdentifier(
      signer.algorithm === 'ES256'
        ? { algorithmId: OID.ecdsaWithSha256 }
        : { algorithmId: OID.rsaWithSha256, algorithmParams: new asn1js.Null() },
    ),
    signature: new asn1js.OctetString({ valueHex: arrayBuffer(signature) }),
  });
  if (timestamp) {
    const token = await timestamp(createHash('sha256').update(signature).digest());
    const parsed = asn1js.fromBER(arrayBuffer(token));
    if (parsed.offset === -1) throw new Error('the time-stamp token is not DER');
    signerInfo.unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
      type: 1,
      attributes: [new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [parsed.result] })],
    });
  }
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
    certificates: [signerCert, ...chainDer.map(parseCertificate)],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return new Uint8Array(contentInfo.toSchema().toBER());
}
