// 電子保証対応の発注者: obligees that accept e-surety and the cases their rules cover.
import { formats } from '../../src/i18n/format.js';
import type { Obligee } from '../../src/services/obligees.js';
import { Layout, type PageProps } from '../layout.js';

export function ObligeesPage(props: PageProps & { obligees: Obligee[] }) {
  const { t, lang } = props;
  const f = formats(lang);
  const dataLang = lang === 'ja' ? undefined : 'ja';
  return (
    <Layout {...props} title={t('obligees.heading')} current="obligees">
      <section class="panel" aria-labelledby="obligees-heading">
        <h1 id="obligees-heading">{t('obligees.heading')}</h1>
        <p class="lead">{t('obligees.lead')}</p>
        {props.obligees.length === 0 ? (
          <p class="empty">{t('obligees.none')}</p>
        ) : (
          <div class="table-scroll">
            <table class="obligees-table">
              <caption class="visually-hidden">{t('obligees.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('obligees.name')}</th>
                  <th scope="col">{t('obligees.products')}</th>
                  <th scope="col">{t('obligees.from')}</th>
                </tr>
              </thead>
              <tbody>
                {props.obligees.flatMap((o) =>
                  o.rules.map((r, i) => (
                    <tr>
                      {i === 0 ? (
                        <th scope="rowgroup" rowspan={o.rules.length} class="obligee-name" lang={dataLang}>
                          {o.name}
                        </th>
                      ) : null}
                      <td>
                        <ul class="products">
                          {r.products.map((p) => (
                            <li>{t(`product.${p}`)}</li>
                          ))}
                        </ul>
                      </td>
                      <td>{t('obligees.rule', { basis: t(`basis.${r.basis}`), date: f.date(r.effectiveFrom) })}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          </div>
        )}
        <p class="note">{t('obligees.howto')}</p>
      </section>
    </Layout>
  );
}
