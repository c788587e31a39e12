// Pieces the three documents share: the ruled field table, the verification box with its QR code, page footers.
import type { RGB } from 'pdf-lib';
import { INK, MUTED, RULE, Sheet, TINT, type TextStyle } from './sheet.js';

export interface Row {
  label: string;
  /** One string is wrapped; several are stacked (e.g. JV members). */
  value: string | string[];
  strong?: boolean;
}

/** Rows with an empty value are left out, as on a paper form where the field does not apply. */
export function row(label: string, value: string | string[] | undefined | null, strong = false): Row | null {
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0))
    return null;
  return { label, value, strong };
}

export interface TableOptions {
  x?: number;
  width?: number;
  labelWidth: number;
  label: TextStyle;
  value: TextStyle;
  strongValue?: TextStyle;
}

const PAD_X = 6;
const PAD_Y = 2.6;

/**
 * A two-column ruled table (label | value) at the cursor. Groups are separated by a double rule, like the sections
 * of a paper certificate; a row that does not fit moves to the next page whole.
 */
export function fieldTable(sheet: Sheet, groups: (Row | null)[][], options: TableOptions): void {
  const x = options.x ?? sheet.left;
  const width = options.width ?? sheet.contentWidth;
  const valueWidth = width - options.labelWidth;
  const present = groups.map((g) => g.filter((r): r is Row => r !== null)).filter((g) => g.length > 0);
  for (const [gi, group] of present.entries()) {
    for (const [ri, r] of group.entries()) {
      const valueStyle = r.strong ? (options.strongValue ?? options.value) : options.value;
      const lh = (s: TextStyle) => s.size * 1.4;
      const labelLines = sheet.wrap(r.label, options.label, options.labelWidth - PAD_X * 2);
      const valueLines = (Array.isArray(r.value) ? r.value : [r.value]).flatMap((v) =>
        sheet.wrap(v, valueStyle, valueWidth - PAD_X * 2),
      );
      const height = Math.max(labelLines.length * lh(options.label), valueLines.length * lh(valueStyle)) + PAD_Y * 2;
      const top = sheet.y;
      sheet.ensure(height);
      const pageBreak = sheet.y !== top;
      sheet.box(x, sheet.y, options.labelWidth, height, { fill: TINT });
      sheet.box(x, sheet.y, width, height, { border: RULE, thickness: 0.6 });
      sheet.line(x + options.labelWidth, sheet.y, x + options.labelWidth, sheet.y + height);
      if (gi > 0 && ri === 0 && !pageBreak) {
        // Close the sides of the double rule between two groups.
        sheet.line(x, sheet.y - 1.6, x, sheet.y);
        sheet.line(x + width, sheet.y - 1.6, x + width, sheet.y);
      }
      const labelTop = sheet.y + (height - labelLines.length * lh(options.label)) / 2;
      for (const [i, l] of labelLines.entries()) {
        sheet.text(l, x + PAD_X, Sheet.baseline(labelTop + i * lh(options.label), options.label, lh(options.label)), {
          ...options.label,
        });
      }
      const valueTop = sheet.y + (height - valueLines.length * lh(valueStyle)) / 2;
      for (const [i, l] of valueLines.entries()) {
        sheet.text(
          l,
          x + options.labelWidth + PAD_X,
          Sheet.baseline(valueTop + i * lh(valueStyle), valueStyle, lh(valueStyle)),
          valueStyle,
        );
      }
      sheet.y += height;
      // The double rule between groups: a second line just above the next group's first row.
      if (ri === group.length - 1 && gi < present.length - 1) sheet.y += 1.6;
    }
  }
}

export interface InfoLine {
  label: string;
  value: string;
  /** Hashes, key ids and URLs: smaller, and allowed to break anywhere. */
  technical?: boolean;
}

/**
 * The framed box at the foot of a document that tells how to check it: labelled lines on the left, the QR code of
 * the verification page on the right, a statement underneath.
 */
export function verificationBox(
  sheet: Sheet,
  options: { heading: string; lines: InfoLine[]; qrUrl: string; qrCaption: string; statements: string[] },
): void {
  const x = sheet.left;
  const width = sheet.contentWidth;
  const qrSize = 74;
  const labelWidth = 100;
  const textWidth = width - qrSize - 24 - labelWidth;
  const heading: TextStyle = { font: 'gothic', size: 10 };
  const label: TextStyle = { font: 'gothic', size: 8, color: MUTED };
  const value: TextStyle = { font: 'gothic', size: 8.5 };
  const technical: TextStyle = { font: 'gothic', size: 7.5 };
  const statement: TextStyle = { font: 'gothic', size: 7.8, color: INK };
  const lh = 11;
  const wrapped = options.lines.map((l) => ({
    label: l.label,
    style: l.technical ? technical : value,
    lines: sheet.wrap(l.value, l.technical ? technical : value, textWidth),
  }));
  const linesHeight = wrapped.reduce((h, w) => h + w.lines.length * lh, 0);
  const statementLines = options.statements.map((s) => sheet.wrap(s, statement, width - 16));
  const statementHeight = statementLines.reduce((h, s) => h + s.length * 11 + 2, 0);
  const bodyHeight = Math.max(linesHeight, qrSize - 4);
  const height = 22 + bodyHeight + 6 + statementHeight + 4;
  sheet.ensure(height);
  const top = sheet.y;
  sheet.box(x, top, width, height, { border: RULE, thickness: 0.8 });
  sheet.text(options.heading, x + 8, Sheet.baseline(top + 4, heading, 16), heading);
  let y = top + 22;
  for (const w of wrapped) {
    sheet.text(w.label, x + 8, Sheet.baseline(y, label, lh), label);
    for (const l of w.lines) {
      sheet.text(l, x + 8 + labelWidth, Sheet.baseline(y, w.style, lh), w.style);
      y += lh;
    }
  }
  const qrX = x + width - qrSize - 10;
  sheet.qr(options.qrUrl, qrX, top + 8, qrSize);
  sheet.text(options.qrCaption, qrX, Sheet.baseline(top + 8 + qrSize, label, 11), label, {
    align: 'center',
    width: qrSize,
  });
  y = top + 22 + bodyHeight + 6;
  sheet.line(x + 8, y - 3, x + width - 8, y - 3, { thickness: 0.4 });
  for (const lines of statementLines) {
    for (const l of lines) {
      sheet.text(l, x + 8, Sheet.baseline(y, statement, 11), statement);
      y += 11;
    }
    y += 2;
  }
  sheet.y = top + height;
}

/** A stamp (取消, 過去の版 …): bold text in a rounded-looking frame, as the web page shows it. */
export function stamp(sheet: Sheet, text: string, x: number, top: number, color: RGB): number {
  const style: TextStyle = { font: 'gothicBold', size: 12, color };
  const width = sheet.measure(text, style) + 16;
  sheet.box(x, top, width, 22, { border: color, thickness: 1.6 });
  sheet.text(text, x + 8, Sheet.baseline(top, style, 22), style);
  return width;
}

/** Footer on every page: what produced it, when, and page n / N (drawn once all pages exist). */
export function footers(sheet: Sheet, left: string, generatedAt: string): void {
  const pages = sheet.doc.getPages();
  const style: TextStyle = { font: 'gothic', size: 7.5, color: MUTED };
  const current = sheet.page;
  for (const [i, page] of pages.entries()) {
    sheet.page = page;
    const baseline = sheet.bottom + 14;
    sheet.line(sheet.left, baseline - 10, sheet.right, baseline - 10, { thickness: 0.4 });
    sheet.text(left, sheet.left, baseline, style);
    sheet.text(`${generatedAt}\u3000${i + 1} / ${pages.length}`, sheet.left, baseline, style, {
      align: 'right',
      width: sheet.contentWidth,
    });
  }
  sheet.page = current;
}
