// 電子保証対応の発注者: obligees that accept e-surety and the cases their rules cover.
import { formatDate } from '../../src/domain/format.js';
import type { Obligee } from '../../src/services/obligees.js';
import { Layout, type PageProps } from '../layout.js';

export function ObligeesPage(props: PageProps & { obligees: Obligee[] }) {
  const { t, lang } = props;
  return (
    <Layout {...props} title={t('obligees.heading')}>
      <section class="panel">
        <h1>{t('obligees.heading')}</h1>
        <p>{t('obligees.lead')}</p>
        {props.obligees.length === 0 ? (
          <p>{t('obligees.none')}</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('obligees.name')}</th>
                <th scope="col">{t('obligees.products')}</th>
                <th scope="col">{t('obligees.from')}</th>
              </tr>
            </thead>
            <tbody>
              {props.obligees.flatMap((o) =>
                o.rules.map((r) => (
                  <tr>
                    <td>{o.name}</td>
                    <td>{r.products.map((p) => t(`product.${p}`)).join('・')}</td>
                    <td>
                      {t('obligees.rule', { basis: t(`basis.${r.basis}`), date: formatDate(r.effectiveFrom, lang) })}
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  );
}
