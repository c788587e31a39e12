// The certificate PDF (保証証書) of one visible version: laid out like the paper certificate — numbers, title,
// addressee 殿, issuer, body text per product, 記 and the field table — then the electronic-surety box with the QR
// code, the authoritative-source statement, the signed JWS and its public key as attachments, and a watermark when
// the guarantee is cancelled or expired.
import { certificateRows } from '../domain/field-rows.js';
import { formatInstant } from '../domain/format.js';
import { fieldFormatters } from '../i18n/format.js';
import { jwsHash } from '../signing/versions.js';
import { ja } from '../i18n/ja.js';
import { ATTACHMENT, KEYWORD_PREFIX, type CertificateInput } from './model.js';
import { logAttachments, logLines, logStatements } from './log-evidence.js';
import { fieldTable, footers, row, stamp, verificationBox, type Row } from './parts.js';
import { INK, MUTED, Sheet, mm, type TextStyle } from './sheet.js';
import { CERTIFICATE_BODY, PLATFORM, STATUS_LABEL, certificateText as text } from './wording.js';
import { rgb } from 'pdf-lib';

const RED = rgb(0.63, 0.07, 0.07);
const AMBER = rgb(0.55, 0.36, 0);
const NAVY = rgb(0.18, 0.3, 0.45);

export async function renderCertificate(input: CertificateInput): Promise<Uint8Array> {
  const c = input.certificate;
  const title = ja[`cert.title.${c.product}`];
  const hash = jwsHash(input.version.jws);
  const asIssued = input.asIssued !== undefined;
  // The as-issued edition shows the version as it was published: no later version, no live status.
  const isCurrent = asIssued || input.version.seq === input.current.seq;
  const status = asIssued ? 'active' : input.status;
  const rows = certificateRows(c, fieldFormatters('ja'));
  const status_ = input.asIssued?.status;
  const sheet = await Sheet.create({
    title: `${title} ${c.contractNumber}`,
    subject: `${PLATFORM}：${title}（保証契約番号 ${c.contractNumber}、No.${input.version.no}）`,
    keywords: [
      `${KEYWORD_PREFIX.contract}${c.contractNumber}`,
      `${KEYWORD_PREFIX.seq}${input.version.seq}`,
      `${KEYWORD_PREFIX.versionHash}${hash}`,
    ],
    author: c.issuer.name,
    createdAt: new Date(asIssued ? input.version.issuedAt : input.generatedAt),
    margin: { top: mm(15), bottom: mm(16), left: mm(20), right: mm(20) },
    // Bold is only for stamps and the watermark: a font fewer keeps an active certificate a few KB smaller.
    fonts: status !== 'active' || !isCurrent ? ['mincho', 'gothic', 'gothicBold'] : ['mincho', 'gothic'],
  });
  const mincho = (size: number, color = INK): TextStyle => ({ font: 'mincho', size, color });
  const small: TextStyle = { font: 'gothic', size: 8.5, color: MUTED };

  // Document numbers, top right; stamps, top left: the status when not active, 過去の版 for an earlier version.
  const idsX = sheet.right - 180;
  const ids = rows.head.map((r): [string, string] => [ja[r.label], String(r.value)]);
  for (const [i, [label, value]] of ids.entries()) {
    const baseline = Sheet.baseline(sheet.y + i * 15, mincho(10.5), 15);
    sheet.text(label, idsX, baseline, small);
    sheet.text(value, idsX + 70, baseline, mincho(10.5));
  }
  let stampX = sheet.left;
  if (status !== 'active') stampX += stamp(sheet, STATUS_LABEL[status], stampX, sheet.y + 4, statusColor(input)) + 8;
  if (!isCurrent) stamp(sheet, text.oldStamp, stampX, sheet.y + 4, NAVY);
  sheet.y += 38;

  sheet.spacedText(title, sheet.left, sheet.contentWidth, Sheet.baseline(sheet.y, mincho(24), 32), mincho(24), 9);
  sheet.y += 44;

  // Addressee (宛名 殿) on the left, underlined; the issuer block on the right, a line lower.
  const partiesTop = sheet.y;
  const addressee = `${c.obligee.title ?? c.obligee.name}\u3000殿`;
  const addresseeStyle = mincho(15);
  const addresseeWidth = Math.min(Math.max(sheet.measure(addressee, addresseeStyle) + 24, 150), 260);
  sheet.text(addressee, sheet.left, Sheet.baseline(sheet.y, addresseeStyle, 24), addresseeStyle);
  sheet.line(sheet.left, sheet.y + 25, sheet.left + addresseeWidth, sheet.y + 25, { thickness: 0.8, color: INK });
  const issuerX = sheet.right - 200;
  sheet.y = partiesTop + 20;
  const issuerLines: [string, TextStyle][] = [
    [text.issuer, small],
    [c.issuer.name, mincho(12.5)],
    ...(c.issuer.office ? [[c.issuer.office, mincho(10.5)] as [string, TextStyle]] : []),
    ...(c.issuer.representative ? [[c.issuer.representative, mincho(10.5)] as [string, TextStyle]] : []),
  ];
  for (const [line, style] of issuerLines) {
    for (const wrapped of sheet.wrap(line, style, 200)) {
      const lh = style.size * 1.55;
      sheet.text(wrapped, issuerX, Sheet.baseline(sheet.y, style, lh), style);
      sheet.y += lh;
    }
  }
  sheet.y = Math.max(sheet.y, partiesTop + 34) + 10;

  sheet.paragraph(CERTIFICATE_BODY[c.product], mincho(10.5), { indent: 10.5, lineHeight: 18 });
  sheet.text(text.ki, sheet.left, Sheet.baseline(sheet.y, mincho(11), 22), mincho(11), {
    align: 'center',
    width: sheet.contentWidth,
  });
  sheet.y += 24;

  // The field table as the web page lists it: what is guaranteed, then who, then which works.
  const table = rows.sections.map((section) => section.map((r): Row | null => row(ja[r.label], r.value, r.strong)));
  fieldTable(sheet, table, {
    labelWidth: mm(42),
    label: { font: 'gothic', size: 9 },
    value: mincho(10),
    strongValue: mincho(12),
  });
  sheet.y += 10;

  const version = `No.${input.version.no}（${input.version.label}）${
    asIssued ? text.asIssued : isCurrent ? text.latest : text.older(input.current.no)
  }`;
  verificationBox(sheet, {
    heading: text.versionHeading,
    lines: [
      { label: text.version, value: version },
      { label: ja['field.issuedAt'], value: formatInstant(input.version.issuedAt) },
      ...(input.version.reason ? [{ label: ja['field.reason'], value: input.version.reason }] : []),
      ...(asIssued ? [] : [{ label: text.statusLabel, value: text.status(status) }]),
      { label: text.seq, value: String(input.version.seq), technical: true },
      { label: text.keyId, value: input.version.kid, technical: true },
      { label: text.jwsHash, value: hash, technical: true },
      { label: text.verifyUrl, value: input.verifyUrl, technical: true },
      ...logLines(input.log),
      ...(status_ ? [{ label: text.statusList, value: text.statusEntry(status_), technical: true }] : []),
    ],
    qrUrl: input.verifyUrl,
    qrCaption: text.qrCaption,
    statements: [
      ...(asIssued
        ? [text.sealed, status_ ? text.attachmentsWithStatus : text.attachments]
        : [
            text.authoritative,
            text.attachments,
            ...(input.signedCopyUrl ? [text.signedCopy(input.signedCopyUrl)] : []),
          ]),
      ...logStatements(input.log),
    ],
  });

  footers(
    sheet,
    `${PLATFORM}\u3000${title}\u3000${c.contractNumber}`,
    asIssued ? `発行日時 ${formatInstant(input.version.issuedAt)}` : `出力日時 ${formatInstant(input.generatedAt)}`,
  );
  if (status !== 'active') {
    const label = STATUS_LABEL[status];
    for (const page of sheet.doc.getPages()) {
      sheet.page = page;
      sheet.watermark(label, statusColor(input));
    }
  }
  const seal = input.asIssued && {
    name: input.asIssued.sealName,
    reason: `${title}（保証契約番号 ${c.contractNumber}、No.${input.version.no}）発行時の内容`,
    location: 'JP',
    signingTime: new Date(input.asIssued.sealedAt),
  };
  return sheet.save(
    [
      {
        name: ATTACHMENT.version,
        bytes: new TextEncoder().encode(input.version.jws),
        mimeType: 'application/jose',
        description: `署名データ（保証契約番号 ${c.contractNumber}、版番号 ${input.version.seq}）`,
      },
      {
        name: ATTACHMENT.jwk,
        bytes: new TextEncoder().encode(JSON.stringify({ keys: [input.jwk] }, null, 2)),
        mimeType: 'application/jwk-set+json',
        description: `署名検証用の公開鍵（kid ${input.jwk.kid}）`,
      },
      ...logAttachments(input.log),
      ...(status_
        ? [
            {
              name: ATTACHMENT.status,
              bytes: new TextEncoder().encode(JSON.stringify(status_, null, 2)),
              mimeType: 'application/json',
              description: `この版の状態を公開するステータスリスト（索引 ${status_.statusListIndex}）`,
            },
          ]
        : []),
    ],
    seal || undefined,
  );
}

function statusColor(input: CertificateInput) {
  return input.status === 'cancelled' ? RED : AMBER;
}
