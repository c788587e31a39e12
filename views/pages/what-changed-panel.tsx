// 前回の確認からの変更: under the status, what was published since the version the officer's office confirmed (or this
// client viewed before) — each event in words, then every field that differs, before and after. Screen and print.
import { labelledChanges } from '../../src/domain/diff.js';
import type { Certificate } from '../../src/domain/certificate.js';
import { fieldFormatters, type Formats } from '../../src/i18n/format.js';
import type { Lang, Translate } from '../../src/i18n/index.js';
import { storyText } from '../../src/i18n/story.js';
import type { WhatChanged } from '../../src/services/what-changed.js';

export interface WhatChangedPanelProps {
  t: Translate;
  f: Formats;
  lang: Lang;
  changed: WhatChanged;
  current: Certificate;
}

export function WhatChangedPanel(props: WhatChangedPanelProps) {
  const { t, f, changed } = props;
  const { since } = changed;
  const rows = labelledChanges(since.certificate, props.current, fieldFormatters(props.lang));
  const row = since.row ?? { no: 0, kind: 'change' as const };
  const lead = t(`changes.since.${changed.basis}`, {
    time: f.instant(since.at),
    department: since.department ?? '',
    name: since.officerName ?? '',
    no: row.no,
    kind: t(`kind.${row.kind}`),
  });
  const value = (v: string | string[] | undefined) =>
    v === undefined ? t('changes.empty') : typeof v === 'string' ? v : v.join('、');
  const data = props.lang === 'ja' ? undefined : 'ja';
  return (
    <section class="panel what-changed" aria-labelledby="changes-heading" id="changes">
      <h2 id="changes-heading">{t('changes.heading')}</h2>
      <p>{lead}</p>
      <ul class="change-events">
        {changed.events.map((e) => (
          <li>
            {t('changes.event', {
              // A 訂正 or 変更取消 names its row itself; a plain version is named by the row it became.
              label: e.row && !e.story.about ? `No.${e.row.no} ${storyText(t, e.story)}` : storyText(t, e.story),
              time: f.instant(e.issuedAt),
            })}
          </li>
        ))}
      </ul>
      {rows.length > 0 ? (
        <div class="table-scroll">
          <table class="changes-table" aria-labelledby="changes-heading">
            <thead>
              <tr>
                <th scope="col">{t('changes.field')}</th>
                <th scope="col">{t(`changes.before.${changed.basis}`)}</th>
                <th scope="col">{t('changes.after')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const lang = r.field.format === 'text' || r.field.format === 'list' ? data : undefined;
                return (
                  <tr>
                    <th scope="row">{t(r.label)}</th>
                    <td class="before" lang={lang}>
                      {value(r.before)}
                    </td>
                    <td class="after" lang={lang}>
                      {value(r.after)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : (
        <p>{t('changes.none')}</p>
      )}
    </section>
  );
}
