// One mail document model rendered twice: plain text and simple HTML (inline styles only; mail clients drop <style>).
// Link URLs are placeholders here; the delivery worker signs them when it sends (see links.ts).

export interface MailAction {
  label: string;
  /** A URL or a placeholder such as `{{link:notice}}`. */
  url: string;
}

export interface MailSection {
  heading: string;
  rows?: [label: string, value: string][];
  paragraphs?: string[];
  action?: MailAction;
  notes?: string[];
}

export interface MailDoc {
  subject: string;
  /** 「○○ 御中」 or none for an address the platform knows nothing about. */
  greeting?: string;
  intro: string[];
  sections: MailSection[];
}

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export interface Sender {
  issuerName: string;
  publicUrl: string;
}

const SITE = '電子保証プラットフォーム';
const RULE = '────────────────────────────';
/** An ideographic space: the indent of Japanese plain-text mail. */
const INDENT = '\u3000';

function footerLines(sender: Sender): string[] {
  return [
    `${SITE}（運営：${sender.issuerName}）`,
    `${sender.publicUrl}/`,
    'このメールは送信専用のアドレスから送信しています。ご返信いただいてもお答えできません。',
  ];
}

export function renderText(doc: MailDoc, sender: Sender): string {
  const out: string[] = [];
  if (doc.greeting) out.push(doc.greeting, '');
  for (const p of doc.intro) out.push(p);
  for (const s of doc.sections) {
    out.push('', `■ ${s.heading}`);
    for (const [label, value] of s.rows ?? []) out.push(`${INDENT}${label}：${value}`);
    for (const p of s.paragraphs ?? []) out.push(`${INDENT}${p}`);
    // A URL alone on its line, unindented: mail clients link it whole and copying it takes nothing extra.
    if (s.action) out.push(s.action.url);
    for (const n of s.notes ?? []) out.push(`${INDENT}・${n}`);
  }
  out.push('', RULE, ...footerLines(sender), '');
  // CRLF is added by the transport; keep LF here so stored bodies read the same on every platform.
  return out.join('\n');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const FONT = "'BIZ UDPGothic','Hiragino Sans','Yu Gothic','Meiryo',sans-serif";

export function renderHtml(doc: MailDoc, sender: Sender): string {
  const e = escapeHtml;
  const parts: string[] = [];
  if (doc.greeting) parts.push(`<p style="margin:0 0 16px">${e(doc.greeting)}</p>`);
  for (const p of doc.intro) parts.push(`<p style="margin:0 0 12px">${e(p)}</p>`);
  for (const s of doc.sections) {
    parts.push(
      `<h2 style="font-size:16px;margin:24px 0 8px;padding:2px 0 2px 8px;border-left:4px solid #0b4f8a">${e(s.heading)}</h2>`,
    );
    if (s.rows && s.rows.length > 0) {
      const rows = s.rows
        .map(
          ([label, value]) =>
            `<tr><th scope="row" style="text-align:left;vertical-align:top;white-space:nowrap;font-weight:normal;color:#4d4d4d;padding:4px 16px 4px 0;border-bottom:1px solid #e3e5e8">${e(label)}</th>` +
            `<td style="padding:4px 0;border-bottom:1px solid #e3e5e8">${e(value)}</td></tr>`,
        )
        .join('');
      parts.push(`<table role="presentation" style="border-collapse:collapse;margin:0 0 8px">${rows}</table>`);
    }
    for (const p of s.paragraphs ?? []) parts.push(`<p style="margin:0 0 8px">${e(p)}</p>`);
    if (s.action) {
      parts.push(
        `<p style="margin:12px 0 4px"><a href="${e(s.action.url)}" style="display:inline-block;padding:10px 20px;background:#0b4f8a;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">${e(s.action.label)}</a></p>`,
        `<p style="margin:0 0 8px;font-size:12px;color:#4d4d4d;word-break:break-all">${e(s.action.url)}</p>`,
      );
    }
    if (s.notes && s.notes.length > 0) {
      parts.push(
        `<ul style="margin:8px 0;padding-left:20px">${s.notes.map((n) => `<li style="margin:0 0 4px">${e(n)}</li>`).join('')}</ul>`,
      );
    }
  }
  const footer = footerLines(sender)
    .map((l) => e(l))
    .join('<br>');
  return (
    `<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>${e(doc.subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#ffffff;color:#1a1a1a;font-family:${FONT};font-size:14px;line-height:1.7">` +
    `<div style="max-width:640px;margin:0 auto;padding:16px">${parts.join('')}` +
    `<hr style="border:0;border-top:1px solid #c3c7cc;margin:24px 0 8px">` +
    `<p style="margin:0;font-size:12px;color:#4d4d4d">${footer}</p></div></body></html>`
  );
}

export function render(doc: MailDoc, sender: Sender): Rendered {
  return { subject: doc.subject, text: renderText(doc, sender), html: renderHtml(doc, sender) };
}
