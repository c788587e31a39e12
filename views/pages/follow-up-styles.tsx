// Styles of the notification pages and panels (status page, mail link pages, follow-up under a certificate). Kept
// beside them rather than in the shared stylesheet; inlined with the response's CSP nonce like the layout's.
const css = `
.follow-up { display:grid; grid-template-columns:minmax(0,1fr); gap:0 1.5rem; align-items:start; }
.follow-up .field, .mail-link .field, .officer-records .field { margin:.75rem 0 1rem; }
.officer-records fieldset { border:1px solid var(--line); border-radius:6px; padding:.5rem 1.25rem .75rem; margin:1rem 0 1.25rem; }
.officer-records legend { font-weight:bold; padding:0 .4rem; }
.record-actions { display:grid; grid-template-columns:minmax(0,1fr); gap:1rem 2rem; }
@media (min-width:58rem) { .record-actions { grid-template-columns:minmax(0,1fr) minmax(0,1fr); } }
.status-actions { display:flex; flex-wrap:wrap; gap:.75rem; align-items:center; }
.record-actions h3 { font-size:1.05rem; margin:0 0 .4rem; }
.follow-up form > p:first-child { margin-bottom:.5rem; }
input[type=text].input-text, input[type=email].input-text { display:block; width:100%; max-width:26rem; font-family:var(--gothic); font-size:1.05rem; letter-spacing:normal; padding:.45rem .65rem; border:2px solid var(--field); border-radius:4px; background:#fff; color:var(--ink); }
input[aria-invalid=true].input-text { border-color:var(--bad); }
.flash-ok { border:3px solid var(--ok); border-radius:4px; padding:.75rem 1rem; margin:.5rem 0 1rem; background:#e8f6ec; color:var(--ok); font-weight:bold; }
.flash-ok p, .mail-link .error-summary p:last-child { margin:0; }
.history-table td.receipt-cell { white-space:normal; min-width:14rem; }
.status-facts { margin-top:1rem; }
.mail-link form { margin:1.25rem 0 1.5rem; }
.mail-link h2 { font-size:1.1rem; margin:1.25rem 0 .4rem; }
.receipt-done { color:var(--ok); font-weight:bold; }
.receipt-done::before { content:"\\2713\\00a0"; }
.receipt-list { border-collapse:collapse; margin:.5rem 0 1rem; }
.receipt-list th, .receipt-list td { text-align:left; padding:.25rem .75rem .25rem 0; border-bottom:1px solid #ccc; }
.receipt-entries { margin:0; padding:0; list-style:none; }
.first-arrival { display:block; font-size:.9rem; color:var(--muted); }
`;

export function FollowUpStyle(props: { nonce?: string | undefined }) {
  return <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: css }} />;
}
