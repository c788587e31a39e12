// The verification receipt (確認証跡): one page stating which version (No., internal seq, JWS SHA-256) an officer was shown
// and when, with the officer's own name and department when given. Rendered from the verified receipt JWS; the
// receipt JWS, the version JWS and the public key travel inside as attachments.
import { rowsFor } from '../domain/field-rows.js';
import { describeExpect } from '../domain/findings.js';
import { formatInstant } from '../domain/format.js';
import { fieldFormatters } from '../i18n/format.js';
import { jwsHash } from '../signing/versions.js';
import { ja } from '../i18n/ja.js';
import { ATTACHMENT, KEYWORD_PREFIX, type VerificationReceiptInput } from './model.js';
import { logAttachments, logLines, logStatements } from './log-evidence.js';
import { fieldTable, footers, row, verificationBox } from './parts.js';
import { INK, MUTED, Sheet, mm, type TextStyle } from './sheet.js';
import { PLATFORM, STATUS_LABEL, receiptText as text } from './wording.js';

export async function renderReceipt(input: VerificationReceiptInput): Promise<Uint8Array> {
  const c = input.certificate;
  const r = input.receipt;
  const receiptHash = jwsHash(input.jws);
  const versionHash = jwsHash(input.version.jws);
  const sheet = await Sheet.create({
    title: `${text.title} ${r.rid}`,
    subject: `${PLATFORM}：${text.title}（保証契約番号 ${c.contractNumber}、No.${input.version.no}）`,
    keywords: [
      `${KEYWORD_PREFIX.contract}${c.contractNumber}`,
      `${KEYWORD_PREFIX.seq}${input.version.seq}`,
      `${KEYWORD_PREFIX.versionHash}${versionHash}`,
      `${KEYWORD_PREFIX.receiptHash}${receiptHash}`,
    ],
    author: PLATFORM,
    createdAt: new Date(input.generatedAt),
    margin: { top: mm(15), bottom: mm(16), left: mm(20), right: mm(20) },
    fonts: ['gothic', 'gothicBold'],
  });
  const g = (size: number, color = INK): TextStyle => ({ font: 'gothic', size, color });

  const ids: [string, string][] = [
    [text.number, r.rid],
    [text.issuedAt, formatInstant(r.issuedAt)],
  ];
  for (const [label, value] of ids) {
    const baseline = Sheet.baseline(sheet.y, g(10), 15);
    sheet.text(label, sheet.right - 215, baseline, g(8.5, MUTED));
    sheet.text(value, sheet.right - 140, baseline, g(10));
    sheet.y += 15;
  }
  sheet.y += 16;
  sheet.spacedText(text.title, sheet.left, sheet.contentWidth, Sheet.baseline(sheet.y, g(20), 30), g(20), 4);
  sheet.y += 44;
  sheet.paragraph(text.lead, g(10), { indent: 10, lineHeight: 17 });
  sheet.y += 4;
  sheet.text(ja['cert.ki'], sheet.left, Sheet.baseline(sheet.y, g(10.5), 22), g(10.5), {
    align: 'center',
    width: sheet.contentWidth,
  });
  sheet.y += 26;

  const officer = r.officer
    ? [r.officer.department, r.officer.name].filter((v): v is string => !!v).join('\u3000')
    : text.officerNone;
  fieldTable(
    sheet,
    [
      [row(text.checkedAt, formatInstant(r.issuedAt), true)],
      rowsFor('receipt', c, fieldFormatters('ja')).map((field) => row(ja[field.label], field.value)),
      [
        // The officers' No. first; the internal sequence only secondary and labelled (issue 16: one numbering).
        row(text.shownVersion, `No.${input.version.no}（${input.version.label}）\u3000内部連番 ${input.version.seq}`),
        row(text.versionIssuedAt, formatInstant(input.version.issuedAt)),
        row(text.status, STATUS_LABEL[r.status]),
        row(text.signature, text.signatureValid(input.version.kid)),
        row(text.versionHash, versionHash),
      ],
      [row(text.officer, officer || text.officerNone)],
      // DESIGN §11: what the officer compared and what was found, signed with the rest (older receipts have neither).
      r.findings
        ? [
            row(text.expect, r.expect ? describeExpect(r.expect) : text.expectNone),
            row(text.findings, r.findings.length > 0 ? r.findings.map((f) => `・${f.message}`) : text.findingsNone),
          ]
        : [],
    ],
    { labelWidth: mm(48), label: g(9), value: g(10), strongValue: { font: 'gothicBold', size: 11 } },
  );
  sheet.y += 14;

  verificationBox(sheet, {
    heading: text.verifyHeading,
    lines: [
      { label: text.number, value: r.rid },
      { label: text.receiptHash, value: receiptHash, technical: true },
      { label: '確認画面', value: input.verifyUrl, technical: true },
      ...logLines(input.log, { root: true }),
    ],
    qrUrl: input.verifyUrl,
    qrCaption: '確認画面（QRコード）',
    statements: [...text.statements, ...logStatements(input.log)],
  });

  footers(sheet, `${PLATFORM}\u3000${text.title}\u3000${r.rid}`, `出力日時 ${formatInstant(input.generatedAt)}`);
  const encode = (s: string) => new TextEncoder().encode(s);
  return sheet.save([
    {
      name: ATTACHMENT.receipt,
      bytes: encode(input.jws),
      mimeType: 'application/jose',
      description: `確認証跡の署名データ（${r.rid}）`,
    },
    {
      name: ATTACHMENT.version,
      bytes: encode(input.version.jws),
      mimeType: 'application/jose',
      description: `確認した版の署名データ（保証契約番号 ${c.contractNumber}、No.${input.version.no}・内部連番 ${input.version.seq}）`,
    },
    {
      name: ATTACHMENT.jwk,
      bytes: encode(JSON.stringify({ keys: input.jwks }, null, 2)),
      mimeType: 'application/jwk-set+json',
      description: `署名検証用の公開鍵（kid ${input.jwks.map((k) => k.kid).join('、')}）`,
    },
    ...logAttachments(input.log),
  ]);
}
