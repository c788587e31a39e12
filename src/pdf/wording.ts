// The Japanese wording of the documents. Field labels come from the page catalog (src/i18n/ja.ts) so that a label
// reads the same on screen and on paper; what is written here exists only on paper. Legal phrasing of the
// certificate body is the issuer's to confirm against its guarantee terms (約款) before production use.
import type { Product } from '../domain/certificate.js';
import type { Status } from '../domain/history.js';
import { EXCLUDED_KEY_CHARACTERS } from '../domain/identifiers.js';

export const PLATFORM = '電子保証プラットフォーム';

export const CERTIFICATE_BODY: Record<Product, string> = {
  advance_payment:
    '当社は、下記の工事の請負者が発注者から支払を受ける前払金について、公共工事の前払金保証事業に関する法律に基づく' +
    '前払金保証約款により、下記のとおり保証契約を締結したことを証します。',
  intermediate_advance_payment:
    '当社は、下記の工事の請負者が発注者から支払を受ける中間前払金について、公共工事の前払金保証事業に関する法律に' +
    '基づく前払金保証約款により、下記のとおり保証契約を締結したことを証します。',
  contract:
    '当社は、下記の工事の請負契約に基づく請負者の債務の履行について、契約保証約款により、保証金額を限度として' +
    '下記のとおり保証契約を締結したことを証します。',
};

export const STATUS_LABEL: Record<Status, string> = {
  active: '有効',
  expired: '保証期間満了',
  cancelled: '取消',
};

export const certificateText = {
  ki: '記',
  issuer: '保証事業会社',
  versionHeading: '電子保証情報',
  version: '表示している版',
  latest: '（最新の版）',
  older: (no: number) => `（過去の版です。最新の版は No.${no} です）`,
  oldStamp: '過去の版',
  asIssued: '（発行時の内容）',
  sealed:
    'この書面は、電子保証プラットフォームに登録された電子保証のこの版を発行時の内容のまま出力したもので、保証事業会社の' +
    'eシール（PAdES形式の電子署名とタイムスタンプ）が付されています。その後の変更・取消・満了の有無は、保証契約番号と' +
    '認証キーにより同プラットフォームで確認してください。',
  signedCopy: (url: string) => `この版の発行時の内容に保証事業会社のeシールを付したPDFは ${url} から入手できます。`,
  status: (status: Status) => `${STATUS_LABEL[status]}（出力時点）`,
  statusLabel: '保証の状態',
  seq: '版番号（seq）',
  keyId: '署名鍵ID（kid）',
  jwsHash: '署名データのSHA-256',
  verifyUrl: '確認画面',
  qrCaption: '確認画面（QRコード）',
  authoritative:
    'この書面は、電子保証プラットフォームに登録された電子保証を出力したものです。正本は同プラットフォーム上の電子データ' +
    '（保証事業会社の電子署名付き）です。最新の内容と状態は、保証契約番号と認証キーにより同プラットフォームで確認してください。',
  statusList: 'ステータスリスト',
  statusEntry: (e: { statusListCredential: string; statusListIndex: string }) =>
    `${e.statusListCredential}（索引 ${e.statusListIndex}）`,
  attachmentsWithStatus:
    'このPDFには、この版の署名データ（version.jws）、公開鍵（jwks.json）と、発行後の状態（0 最新・1 後の版あり・2 取消・3 保証期間満了）' +
    'を公開するステータスリストの所在（status.json）が添付されており、第三者が内容の真正性と現在の状態を検証できます。',
  attachments:
    'このPDFには、この版の署名データ（version.jws）と公開鍵（jwks.json）が添付されており、第三者が内容の真正性を検証できます。',
};

export const noticeText = {
  title: '電子保証にかかる「認証キー」のお知らせ',
  lead:
    '下記の保証契約について、電子保証を発行しました。発注者は、保証契約番号と認証キーを電子保証プラットフォームに' +
    '入力することにより、保証証書の内容と履歴を確認できます。',
  numberLabel: '① 保証契約番号',
  keyLabel: '② 認証キー',
  keyNote: '認証キーは12文字の英数字です。大文字と小文字を区別します。',
  excluded: `次の文字は認証キーに使われていません：${EXCLUDED_KEY_CHARACTERS.map(
    (c) =>
      `${c}（${{ '0': '数字のゼロ', '1': '数字のいち', O: '大文字のオー', o: '小文字のオー', I: '大文字のアイ', l: '小文字のエル' }[c]}）`,
  ).join('・')}`,
  details: '保証の内容',
  issuedAt: '電子保証発行日時',
  latest: '最新の版の発行日時',
  howToVerify: '発注者の確認方法',
  verifySteps: (url: string) =>
    `次の確認画面を開き、①保証契約番号と②認証キーを入力してください（右のQRコードからも開けます）。${url}`,
  qrCaption: '確認画面（QRコード）',
  qrNote: 'QRコードは確認画面を開くためのもので、認証キーは含まれていません。',
  howToSubmit: '請負者の方へ：発注者への提出方法',
  submit:
    'このお知らせ（PDF）を、発注者が指定する電子メールアドレスあてに添付して提出してください。提出先は、発注者の案内' +
    '（ホームページの担当課連絡先など）で確認してください。',
  subject: '件名',
  subjectLine: (product: string, works: string) => `「${product}にかかる認証キー【${works}】の提出について」`,
  cautions: 'ご注意',
  caution: [
    '認証キーは、発注者が電子保証を確認するためのものです。発注者以外の第三者に知らせないでください。',
    '認証キーを再発行した場合、以前の認証キーは使用できなくなります。再発行後のお知らせを提出してください。',
    'このお知らせは保証証書ではありません。保証の内容は、電子保証プラットフォームで確認できるものが正本です。',
  ],
};

export const receiptText = {
  title: '電子保証 確認証跡',
  number: '確認証跡番号',
  issuedAt: '発行日時',
  lead:
    '下記の電子保証を、電子保証プラットフォームにおいて保証契約番号と認証キーにより確認し、保証事業会社の電子署名が' +
    '有効であることを確かめたことを記録します。',
  checkedAt: '確認日時',
  shownVersion: '確認した版',
  versionIssuedAt: 'その版の電子保証発行日時',
  status: '確認時点の状態',
  signature: '署名検証',
  signatureValid: (kid: string) => `有効（署名鍵ID ${kid}）`,
  versionHash: '確認した版の署名データのSHA-256',
  officer: '確認者（申告）',
  officerNone: '記載なし',
  expect: '照合した発注者の値（確認者の入力）',
  expectNone: '入力なし',
  findings: '照合結果',
  findingsNone: '所見なし（入力した値と証書の記載は一致し、最低保証割合・保証期間にも問題はありません）',
  verifyHeading: 'この確認証跡の検証',
  receiptHash: '確認証跡のSHA-256',
  statements: [
    'この確認証跡は、電子保証プラットフォームが電子署名したものです。このPDFには、確認証跡の署名データ（receipt.jws）、' +
      '確認した版の署名データ（version.jws）と署名検証用の公開鍵（jwks.json）が添付されています。',
    '確認者の所属・氏名は確認者が入力したもので、プラットフォームは本人確認を行っていません。',
  ],
};
