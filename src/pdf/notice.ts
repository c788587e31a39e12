// The notice 「電子保証にかかる『認証キー』のお知らせ」: what the contractor emails to the obligee. Contract number and
// key in large type (the key one character per box, in the fixed-pitch BIZ UD Gothic), which characters never
// occur, what the guarantee is, how the obligee checks it (URL and a QR code of the verification page — never the
// key) and how the contractor submits it (e-mail subject line pattern of the obligee's guidance).
import { formatDate, formatInstant, jstDate } from '../domain/format.js';
import { rowsFor } from '../domain/field-rows.js';
import { fieldFormatters } from '../i18n/format.js';
import { ja } from '../i18n/ja.js';
import type { NoticeInput } from './model.js';
import { fieldTable, footers, row } from './parts.js';
import { INK, MUTED, RULE, Sheet, mm, type TextStyle } from './sheet.js';
import { PLATFORM, noticeText as text } from './wording.js';
import { rgb } from 'pdf-lib';

const HIGHLIGHT = rgb(1, 0.973, 0.84);
const HIGHLIGHT_BORDER = rgb(0.79, 0.59, 0);

export async function renderNotice(input: NoticeInput): Promise<Uint8Array> {
  const c = input.certificate;
  const product = ja[`product.${c.product}`];
  const sheet = await Sheet.create({
    title: `${text.title} ${c.contractNumber}`,
    subject: `${PLATFORM}：${product}（保証契約番号 ${c.contractNumber}）`,
    keywords: [],
    author: c.issuer.name,
    createdAt: new Date(input.generatedAt),
    margin: { top: mm(15), bottom: mm(16), left: mm(20), right: mm(20) },
    fonts: ['gothic', 'gothicBold'],
  });
  const g = (size: number, color = INK): TextStyle => ({ font: 'gothic', size, color });
  const b = (size: number, color = INK): TextStyle => ({ font: 'gothicBold', size, color });

  // Date and sender, top right; addressee (the obligee, who receives it from the contractor), top left.
  const right: [string, TextStyle][] = [
    [formatDate(jstDate(new Date(input.generatedAt))), g(10)],
    [c.issuer.name, g(10.5)],
    ...(c.issuer.office ? [[c.issuer.office, g(9.5)] as [string, TextStyle]] : []),
  ];
  const top = sheet.y;
  for (const [line, style] of right) {
    sheet.text(line, sheet.left, Sheet.baseline(sheet.y, style, 15), style, {
      align: 'right',
      width: sheet.contentWidth,
    });
    sheet.y += 15;
  }
  const addressee = `${c.obligee.title ?? c.obligee.name}\u3000殿`;
  sheet.text(addressee, sheet.left, Sheet.baseline(top + 28, g(13), 22), g(13));
  sheet.line(sheet.left, top + 51, sheet.left + Math.max(sheet.measure(addressee, g(13)) + 20, 140), top + 51, {
    color: INK,
    thickness: 0.7,
  });
  sheet.y = Math.max(sheet.y, top + 56) + 6;

  sheet.text(text.title, sheet.left, Sheet.baseline(sheet.y, b(17), 26), b(17), {
    align: 'center',
    width: sheet.contentWidth,
  });
  sheet.y += 30;
  sheet.paragraph(text.lead, g(10), { indent: 10, lineHeight: 16 });
  sheet.y += 6;

  // The two things the obligee types: number and key, highlighted like the sample on the verification page.
  const boxTop = sheet.y;
  const cell = { width: 24, height: 34, gap: 10 };
  const noteWidth = sheet.right - 16 - (sheet.left + 130);
  const notes = [text.keyNote, text.excluded].flatMap((note) => sheet.wrap(note, g(8.5), noteWidth));
  const boxHeight = 48 + cell.height + 6 + notes.length * 12.5 + 10;
  sheet.box(sheet.left, boxTop, sheet.contentWidth, boxHeight, {
    fill: HIGHLIGHT,
    border: HIGHLIGHT_BORDER,
    thickness: 1.4,
  });
  const labelX = sheet.left + 16;
  const valueX = sheet.left + 130;
  sheet.text(text.numberLabel, labelX, Sheet.baseline(boxTop + 10, b(11), 30), b(11));
  sheet.text(c.contractNumber, valueX, Sheet.baseline(boxTop + 10, b(22), 30), b(22));
  sheet.text(text.keyLabel, labelX, Sheet.baseline(boxTop + 48, b(11), cell.height), b(11));
  const keyStyle = b(22);
  for (const [i, ch] of [...input.authKey].entries()) {
    const x = valueX + i * cell.width + Math.floor(i / 4) * cell.gap;
    sheet.box(x, boxTop + 48, cell.width, cell.height, { fill: rgb(1, 1, 1), border: RULE, thickness: 0.8 });
    sheet.text(ch, x, Sheet.baseline(boxTop + 48, keyStyle, cell.height), keyStyle, {
      align: 'center',
      width: cell.width,
    });
  }
  let noteY = boxTop + 48 + cell.height + 6;
  for (const line of notes) {
    sheet.text(line, valueX, Sheet.baseline(noteY, g(8.5), 12.5), g(8.5));
    noteY += 12.5;
  }
  sheet.y = boxTop + boxHeight + 12;

  section(sheet, text.details);
  fieldTable(
    sheet,
    [
      [
        ...rowsFor('notice', c, fieldFormatters('ja')).map((r) => row(ja[r.label], r.value)),
        row(text.issuedAt, `${formatInstant(input.issued.issuedAt)}（${input.issued.label}）`),
        input.latest
          ? row(text.latest, `${formatInstant(input.latest.issuedAt)}（No.${input.latest.no}：${input.latest.label}）`)
          : null,
      ],
    ],
    { labelWidth: mm(40), label: g(9), value: g(10) },
  );
  sheet.y += 10;

  // How the obligee checks it: steps and URL on the left, the QR code on the right.
  section(sheet, text.howToVerify);
  const qrSize = 70;
  const stepsWidth = sheet.contentWidth - qrSize - 16;
  const stepsTop = sheet.y;
  sheet.paragraph(text.verifySteps(input.verifyUrl), g(9.5), { width: stepsWidth, lineHeight: 15 });
  sheet.paragraph(text.qrNote, g(8.5, MUTED), { width: stepsWidth, lineHeight: 13 });
  sheet.qr(input.verifyUrl, sheet.right - qrSize, stepsTop - 6, qrSize);
  sheet.text(
    text.qrCaption,
    sheet.right - qrSize,
    Sheet.baseline(stepsTop - 6 + qrSize, g(7.5, MUTED), 10),
    g(7.5, MUTED),
    {
      align: 'center',
      width: qrSize,
    },
  );
  sheet.y = Math.max(sheet.y, stepsTop + qrSize + 6) + 6;

  section(sheet, text.howToSubmit);
  sheet.paragraph(text.submit, g(9.5), { lineHeight: 15 });
  sheet.y += 3;
  const subject = text.subjectLine(product, c.works.name);
  const subjectLines = sheet.wrap(subject, b(10), sheet.contentWidth - 70);
  const subjectHeight = subjectLines.length * 16 + 8;
  sheet.ensure(subjectHeight);
  sheet.box(sheet.left, sheet.y, sheet.contentWidth, subjectHeight, { border: RULE, thickness: 0.8 });
  sheet.text(text.subject, sheet.left + 10, Sheet.baseline(sheet.y + 4, g(9, MUTED), 16), g(9, MUTED));
  for (const [i, line] of subjectLines.entries()) {
    sheet.text(line, sheet.left + 56, Sheet.baseline(sheet.y + 4 + i * 16, b(10), 16), b(10));
  }
  sheet.y += subjectHeight + 10;

  section(sheet, text.cautions);
  for (const caution of text.caution) {
    const lines = sheet.wrap(caution, g(9), sheet.contentWidth - 14);
    sheet.ensure(lines.length * 14);
    sheet.text('・', sheet.left, Sheet.baseline(sheet.y, g(9), 14), g(9));
    for (const line of lines) {
      sheet.text(line, sheet.left + 12, Sheet.baseline(sheet.y, g(9), 14), g(9));
      sheet.y += 14;
    }
  }

  footers(
    sheet,
    `${PLATFORM}\u3000${text.title}\u3000${c.contractNumber}`,
    `作成日時 ${formatInstant(input.generatedAt)}`,
  );
  return sheet.save();
}

/** A section heading: bold, with a rule under it. */
function section(sheet: Sheet, title: string): void {
  const style: TextStyle = { font: 'gothicBold', size: 10.5 };
  sheet.ensure(40);
  sheet.text(`■ ${title}`, sheet.left, Sheet.baseline(sheet.y, style, 18), style);
  sheet.line(sheet.left, sheet.y + 18, sheet.right, sheet.y + 18, { thickness: 0.5 });
  sheet.y += 23;
}
