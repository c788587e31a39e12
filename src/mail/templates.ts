// The platform's mails, in Japanese (the parties are Japanese public-works offices and contractors). Each template
// returns a MailDoc from verified certificate data; the authentication key is never an input, so it cannot leak here.
import type { Certificate } from '../domain/certificate.js';
import { mailRows } from '../domain/field-rows.js';
import type { MailPart } from '../domain/fields.js';
import { formatDate, formatInstant } from '../domain/format.js';
import type { ChangeKind } from '../domain/history.js';
import { fieldFormatters } from '../i18n/format.js';
import { ja } from '../i18n/ja.js';
import type { MailDoc } from './render.js';

/** Placeholders the delivery worker replaces with signed links (and their expiry) when it sends. */
export const LINK = {
  notice: '{{link:notice}}',
  noticeExpires: '{{expires:notice}}',
  confirm: '{{link:confirm}}',
  confirmExpires: '{{expires:confirm}}',
  unsubscribe: '{{link:unsubscribe}}',
  enrol: '{{link:enrol}}',
  enrolExpires: '{{expires:enrol}}',
  /** The version's transparency-log line (index, and the covering checkpoint's size and root hash when there is one). */
  log: '{{log:version}}',
} as const;

/** What a mail may say about a guarantee: taken from the verified certificate of the version concerned. */
export interface GuaranteeFacts {
  contractNumber: string;
  obligeeName: string;
  /** The contracting party: the JV when there is one. */
  contractorName: string;
  guaranteePeriod: { from: string; to: string };
  /** Every summary row the field registry gives mails, in order, labelled and written in Japanese. */
  summary: { part: MailPart; label: string; value: string }[];
}

const MAIL_PARTS: readonly MailPart[] = ['identity', 'party', 'terms', 'works'];

export function factsOf(c: Certificate): GuaranteeFacts {
  return {
    contractNumber: c.contractNumber,
    obligeeName: c.obligee.name,
    contractorName: c.jointVenture?.name ?? c.contractor.name,
    guaranteePeriod: c.guaranteePeriod,
    summary: mailRows(c, MAIL_PARTS, fieldFormatters('ja')).map((r) => ({
      part: r.field.mail?.part as MailPart,
      label: ja[r.label],
      value: typeof r.value === 'string' ? r.value : r.value.join('、'),
    })),
  };
}

/**
 * The guarantee as a mail lists it, from the parts it needs: `identity` (number, product, works, obligee), `party`
 * (the contractor, for readers other than the contractor), `terms` (amount and period), `works` (the works period).
 */
function summary(f: GuaranteeFacts, parts: readonly MailPart[]): [string, string][] {
  return f.summary.filter((r) => parts.includes(r.part)).map((r): [string, string] => [r.label, r.value]);
}

/** What happened: a change is labelled by what it did (DESIGN §3); a 変更取消 is not a visible row but is news. */
export type EventKind = ChangeKind | 'change_cancellation';

export interface EventFacts {
  kind: EventKind;
  /** 電子保証発行日時 of the new version (ISO with +09:00). */
  issuedAt: string;
  reason: string | null;
  /** The event in words (「No.2 変更（増額）の記載を訂正」); without it the label alone. */
  story?: string | undefined;
  /**
   * What differs from the version the reader last relied on (`since` names it: the version the obligee confirmed,
   * else the one before this event), field by field; absent when nothing is compared.
   */
  changes?: { since: string; rows: { label: string; before: string; after: string }[] } | undefined;
  /** The mail carries the version's log line ({@link LINK.log}, filled when it is sent). */
  logged?: boolean;
}

export function eventLabel(kind: EventKind): string {
  if (kind === 'change_cancellation') return '変更取消';
  if (kind === 'issue') return '新規発行';
  return ja[`kind.${kind}`];
}

/** The label of a version as the history table shows it (新規, 変更（増額）, 訂正 …). */
export function versionLabel(kind: EventKind): string {
  return kind === 'issue' ? ja['kind.issue'] : eventLabel(kind);
}

const SUBJECT_LABEL: Record<EventKind, string> = {
  issue: '認証キー',
  increase: '変更',
  decrease: '変更',
  period: '変更',
  change: '変更',
  correction: '訂正',
  change_cancellation: '変更取消',
  cancellation: '取消',
};

/** A sentence more where the label alone does not say what the event did. */
const EXPLANATION: Partial<Record<EventKind, string>> = {
  correction: '訂正前の版は、履歴に表示されなくなります。',
  change_cancellation: '直前の変更が取り消され、電子保証の内容は変更前の状態に戻りました。',
  cancellation: 'この電子保証は取り消されました。',
};

/** 「…が発行した電子保証の変更（増額）が…」: the event in one sentence; a new guarantee is 電子保証（新規）. */
const arrived = (issuerName: string, kind: EventKind) =>
  kind === 'issue'
    ? `${issuerName}が発行した電子保証（新規）が、電子保証プラットフォームに到着しました。`
    : `${issuerName}が発行した電子保証の${eventLabel(kind)}が、電子保証プラットフォームに到着しました。`;

const explained = (kind: EventKind) => {
  const text = EXPLANATION[kind];
  return text ? [text] : [];
};

const numbered = (subject: string, n: string) => `${subject}（保証契約番号 ${n}）`;

/** To the contractor when a version of its guarantee reaches the platform (電子保証（認証キー）発行完了のお知らせ). */
export function contractorEventMail(f: GuaranteeFacts, e: EventFacts, issuerName: string, publicUrl: string): MailDoc {
  const rows: [string, string][] = [
    ['お知らせの内容', e.story ?? eventLabel(e.kind)],
    ...summary(f, ['identity', 'terms']),
    ['電子保証発行日時', formatInstant(e.issuedAt)],
  ];
  if (e.reason) rows.push(['理由', e.reason]);
  if (e.logged) rows.push(['透明性ログ', LINK.log]);
  return {
    subject: numbered(`電子保証（${SUBJECT_LABEL[e.kind]}）発行完了のお知らせ`, f.contractNumber),
    greeting: `${f.contractorName} 御中`,
    intro: [arrived(issuerName, e.kind), ...explained(e.kind)],
    sections: [
      { heading: '電子保証の内容', rows },
      {
        heading: '「電子保証にかかる『認証キー』のお知らせ」（PDF）',
        paragraphs: ['次のリンクからお知らせ（PDF）をダウンロードできます。'],
        action: { label: 'お知らせ（PDF）をダウンロードする', url: LINK.notice },
        notes: [
          `リンクの有効期限は${LINK.noticeExpires}までです。ダウンロードできるのは1回限りです。`,
          '認証キーは、安全のためこのメールには記載していません。お知らせ（PDF）でご確認ください。',
          `お知らせ（PDF）は、発注者（${f.obligeeName}）の指定する方法（電子メール等）で提出してください。`,
          ...(e.kind === 'issue'
            ? []
            : ['認証キーは変わりません。発注者は同じ保証契約番号と認証キーで最新の内容を確認できます。']),
          `リンクの有効期限が切れた場合や使用済みの場合は、${issuerName}にお知らせの再交付をご依頼ください。`,
        ],
      },
      {
        heading: '発注者の確認状況',
        paragraphs: [
          '発注者による閲覧や受領確認の状況は、次のページで保証契約番号と認証キーを入力すると確認できます。',
        ],
        action: { label: '確認状況を見る', url: `${publicUrl}/status` },
      },
    ],
  };
}

export interface ReceiptFacts {
  /** The visible row number (No.) and its label, as the history table shows them. */
  no: number;
  kind: EventKind;
  issuedAt: string;
  confirmedAt: string;
  department: string;
  officerName: string;
}

/** To the contractor when the obligee's officer confirms receipt (受領確認) of a version. */
export function receiptConfirmedMail(f: GuaranteeFacts, r: ReceiptFacts, publicUrl: string): MailDoc {
  return {
    subject: numbered('発注者による電子保証の受領確認のお知らせ', f.contractNumber),
    greeting: `${f.contractorName} 御中`,
    intro: [`発注者（${f.obligeeName}）の担当者が、電子保証プラットフォームで次の電子保証の受領を確認しました。`],
    sections: [
      {
        heading: '受領確認の内容',
        rows: [
          ...summary(f, ['identity']),
          ['確認した版', `No.${r.no} ${versionLabel(r.kind)}`],
          ['電子保証発行日時', formatInstant(r.issuedAt)],
          ['受領確認日時', formatInstant(r.confirmedAt)],
          ['確認者の部署', r.department],
          ['確認者の氏名', r.officerName],
        ],
      },
      {
        heading: '確認状況の確認',
        paragraphs: ['受領確認や閲覧の状況は、次のページで保証契約番号と認証キーを入力すると確認できます。'],
        action: { label: '確認状況を見る', url: `${publicUrl}/status` },
      },
    ],
  };
}

/** Double opt-in: the address must confirm before any alert is sent to it. */
export function subscriptionConfirmMail(f: GuaranteeFacts): MailDoc {
  return {
    subject: numbered('【要確認】電子保証の変更通知の登録', f.contractNumber),
    intro: [
      '電子保証プラットフォームで、次の電子保証の変更通知を受け取るメールアドレスとして、このアドレスが入力されました。',
    ],
    sections: [
      { heading: '対象の電子保証', rows: summary(f, ['identity', 'party']) },
      {
        heading: '登録の確認',
        paragraphs: [
          `登録を完了するには、${LINK.confirmExpires}までに次のリンクを開き、「登録を完了する」を押してください。`,
        ],
        action: { label: '登録を確認する', url: LINK.confirm },
        notes: [
          '登録すると、この電子保証に変更・訂正・取消などがあったとき、および保証期間が終了する30日前に、メールでお知らせします。',
          '心当たりがない場合は、このメールを破棄してください。登録は完了せず、メールアドレスは7日後に削除されます。',
        ],
      },
    ],
  };
}

/**
 * To a confirmed subscriber when the key is reissued: the subscription ended with the old key. Content-free on
 * purpose (the number it was for and nothing of the certificate): whoever held the old key may be who should not
 * learn more. No link that names the subscription either; subscribing again needs the new key, from the contractor.
 */
export function subscriptionEndedMail(contractNumber: string, reissuedAt: string, publicUrl: string): MailDoc {
  return {
    subject: numbered('電子保証の変更通知の登録終了のお知らせ', contractNumber),
    intro: [
      'このメールアドレスで登録いただいていた電子保証の変更通知は、認証キーが再発行されたため、登録を終了しました。今後、この電子保証についてのお知らせは届きません。',
    ],
    sections: [
      {
        heading: '登録終了の内容',
        rows: [
          ['保証契約番号', contractNumber],
          ['認証キー再発行日時', formatInstant(reissuedAt)],
        ],
      },
      {
        heading: '引き続きお知らせを受け取るには',
        paragraphs: [
          '請負者から新しい認証キーのお知らせ（PDF）を受け取り、電子保証プラットフォームで保証契約番号と新しい認証キーを入力して、改めて変更通知を登録してください。',
        ],
        action: { label: '電子保証プラットフォームを開く', url: `${publicUrl}/` },
        notes: ['お知らせが不要な場合は、何もする必要はありません。メールアドレスは削除済みです。'],
      },
    ],
  };
}

function unsubscribeSection(): MailDoc['sections'][number] {
  return {
    heading: '配信停止',
    paragraphs: ['このお知らせが不要になった場合は、次のリンクから配信を停止できます。'],
    action: { label: '配信を停止する', url: LINK.unsubscribe },
  };
}

/** 変更内容: each field that differs from the version the reader relied on, before → after. */
function changesSection(e: EventFacts): MailDoc['sections'] {
  if (!e.changes) return [];
  return [
    {
      heading: '変更内容',
      rows: [
        ['比べた版', e.changes.since],
        ...(e.changes.rows.length
          ? e.changes.rows.map((r): [string, string] => [r.label, `${r.before} → ${r.after}`])
          : [['記載内容', '変わりありません（履歴のみ追加されています）'] as [string, string]]),
      ],
    },
  ];
}

/** To confirmed subscribers when a later version changes what the guarantee says. */
export function subscriberEventMail(f: GuaranteeFacts, e: EventFacts, publicUrl: string): MailDoc {
  const label = eventLabel(e.kind);
  const rows: [string, string][] = [
    ['お知らせの内容', e.story ?? label],
    ...summary(f, ['identity', 'party', 'terms']),
    ['電子保証発行日時', formatInstant(e.issuedAt)],
  ];
  if (e.reason) rows.push(['理由', e.reason]);
  if (e.logged) rows.push(['透明性ログ', LINK.log]);
  return {
    subject: numbered(`電子保証の${label}のお知らせ`, f.contractNumber),
    intro: [
      `変更通知を登録いただいている電子保証に、新しい履歴（${e.story ?? label}）が追加されました。`,
      ...explained(e.kind),
    ],
    sections: [
      ...changesSection(e),
      { heading: '現在の内容', rows },
      {
        heading: '最新の内容の確認',
        paragraphs: [
          '保証証書の内容と履歴は、電子保証プラットフォームで保証契約番号と認証キーを入力して確認してください。認証キーはこのメールには記載していません。',
        ],
        action: { label: '電子保証を確認する', url: `${publicUrl}/` },
      },
      unsubscribeSection(),
    ],
  };
}

/** To confirmed subscribers 30 days before the guarantee period ends, while the guarantee is active. */
export function expiryReminderMail(f: GuaranteeFacts, daysLeft: number, publicUrl: string): MailDoc {
  const end = formatDate(f.guaranteePeriod.to);
  return {
    subject: numbered(`電子保証の保証期間が${end}に終了します`, f.contractNumber),
    intro: [
      `変更通知を登録いただいている電子保証の保証期間が、${end}に終了します（あと${daysLeft}日）。`,
      '工期が延びる場合は、保証期間の変更（保証期限変更）の手続きが済んでいるか、請負者にご確認ください。',
    ],
    sections: [
      { heading: '対象の電子保証', rows: summary(f, ['identity', 'party', 'terms', 'works']) },
      {
        heading: '最新の内容の確認',
        paragraphs: ['保証契約番号と認証キーを入力すると、最新の内容と履歴を確認できます。'],
        action: { label: '電子保証を確認する', url: `${publicUrl}/` },
      },
      unsubscribeSection(),
    ],
  };
}

/**
 * To the contractor when the issuer reissues the authentication key: the old key stopped working, and the new notice
 * is behind a single-use link (the key itself never travels in a mail).
 */
export function keyReissuedMail(f: GuaranteeFacts, reissuedAt: string, issuerName: string, publicUrl: string): MailDoc {
  return {
    subject: numbered('電子保証の認証キー再発行のお知らせ', f.contractNumber),
    greeting: `${f.contractorName} 御中`,
    intro: [
      `${issuerName}が、次の電子保証の認証キーを再発行しました。これまでの認証キーは、再発行の時点から使用できません。`,
    ],
    sections: [
      {
        heading: '対象の電子保証',
        rows: [...summary(f, ['identity']), ['再発行日時', formatInstant(reissuedAt)]],
      },
      {
        heading: '新しい「電子保証にかかる『認証キー』のお知らせ」（PDF）',
        paragraphs: ['次のリンクから、新しい認証キーを記載したお知らせ（PDF）をダウンロードできます。'],
        action: { label: 'お知らせ（PDF）をダウンロードする', url: LINK.notice },
        notes: [
          `リンクの有効期限は${LINK.noticeExpires}までです。ダウンロードできるのは1回限りです。`,
          '認証キーは、安全のためこのメールには記載していません。お知らせ（PDF）でご確認ください。',
          `発注者（${f.obligeeName}）に古い認証キーを提出済みの場合は、新しいお知らせ（PDF）を改めて提出してください。`,
          `この再発行に心当たりがない場合は、${issuerName}にご連絡ください。`,
        ],
      },
      {
        heading: '発注者の確認状況',
        paragraphs: [
          '発注者による閲覧や受領確認の状況は、次のページで保証契約番号と新しい認証キーを入力すると確認できます。',
        ],
        action: { label: '確認状況を見る', url: `${publicUrl}/status` },
      },
    ],
  };
}

/**
 * The contractor's mail address of a guarantee was changed by the issuer. To the new address: from now on the
 * platform's mails come here. To the old one (when there was one): that they no longer will, so a change nobody
 * asked for is noticed. Neither carries a link: a mistyped address must not receive the key notice.
 */
export function contactChangedMail(
  f: GuaranteeFacts,
  to: 'new' | 'old',
  changedAt: string,
  issuerName: string,
): MailDoc {
  return {
    subject: numbered('電子保証のお知らせ先メールアドレス変更のお知らせ', f.contractNumber),
    greeting: `${f.contractorName} 御中`,
    intro: [
      to === 'new'
        ? `${issuerName}が、次の電子保証に関するお知らせの送信先を、このメールアドレスに変更しました。今後の発行完了・認証キー再発行・受領確認のお知らせは、このアドレスにお送りします。`
        : `${issuerName}が、次の電子保証に関するお知らせの送信先を、別のメールアドレスに変更しました。今後、このアドレスにはお知らせをお送りしません。`,
    ],
    sections: [
      {
        heading: '対象の電子保証',
        rows: [...summary(f, ['identity']), ['変更日時', formatInstant(changedAt)]],
        notes: [
          ...(to === 'new' ? ['認証キーのお知らせ（PDF）が必要な場合は、保証事業会社に再交付をご依頼ください。'] : []),
          `この変更に心当たりがない場合は、${issuerName}にご連絡ください。`,
        ],
      },
    ],
  };
}

/**
 * A staff account was made for this address: the single-use link to set up its second factor. Only the account's
 * own mailbox gets it — whoever made the account never sees it — so one administrator cannot make an account and
 * use it as a second person. It names no password and no role secret.
 */
export function staffEnrolmentMail(email: string, roleLabel: string, issuerName: string): MailDoc {
  return {
    subject: '管理画面の二要素認証の設定（電子保証プラットフォーム）',
    greeting: `${email} 様`,
    intro: [`${issuerName}の管理画面に、あなたのアカウント（権限: ${roleLabel}）が作成されました。`],
    sections: [
      {
        heading: '二要素認証の設定',
        paragraphs: [
          '次のリンクから、認証アプリの登録（二要素認証の設定）を行ってください。設定が済むまでログインできません。',
        ],
        action: { label: '二要素認証を設定する', url: LINK.enrol },
        notes: [
          `リンクの有効期限は${LINK.enrolExpires}までです。使えるのは1回限りです。`,
          'パスワードは、アカウントを作成した管理者から別の方法で受け取ってください。このメールには記載していません。',
          `このメールに心当たりがない場合は、リンクを開かずに${issuerName}にご連絡ください。`,
        ],
      },
    ],
  };
}
