// Page styles, inlined (the CSP allows no external asset); a print stylesheet turns a certificate into plain A4.
// Colours keep text at WCAG AA contrast or better; focus is a yellow-and-black ring visible on every background.
export const styles = `
:root {
  --ink:#1a1a1a; --muted:#4d4d4d; --line:#c3c7cc; --field:#767676; --bg:#f3f4f6;
  --accent:#0b4f8a; --accent-dark:#083a66; --ok:#0a6b2d; --warn:#7a4f00; --bad:#a11212; --focus:#ffdd00;
  --gothic:"BIZ UDPGothic","BIZ UDGothic","Hiragino Sans","Noto Sans JP","Yu Gothic",sans-serif;
  --mono:"BIZ UDGothic","Noto Sans Mono CJK JP",ui-monospace,monospace;
  --mincho:"BIZ UDPMincho","BIZ UDMincho","Hiragino Mincho ProN","Noto Serif JP","Yu Mincho",serif;
}
* { box-sizing:border-box; }
[hidden] { display:none !important; }
html { -webkit-text-size-adjust:100%; text-size-adjust:100%; }
body { margin:0; min-height:100vh; display:flex; flex-direction:column; font-family:var(--gothic); color:var(--ink); line-height:1.7; background:var(--bg); }
a { color:var(--accent); text-underline-offset:.15em; }
a:hover { color:var(--accent-dark); text-decoration-thickness:2px; }
p { margin:0 0 .75rem; }
h1 { font-size:1.55rem; line-height:1.4; margin:0 0 1rem; }
h2 { font-size:1.2rem; line-height:1.4; margin:1.5rem 0 .75rem; }
h2:first-child { margin-top:0; }
.visually-hidden { position:absolute !important; width:1px; height:1px; margin:-1px; padding:0; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; border:0; }
.print-only { display:none; }

/* Focus: never removed, always a high-contrast ring (WCAG 2.4.7 / 2.4.11). */
:focus { outline:none; }
:focus-visible { outline:3px solid var(--focus); outline-offset:0; box-shadow:0 0 0 6px #0b0c0c; }
a:focus-visible { outline:3px solid transparent; background:var(--focus); color:#0b0c0c; box-shadow:0 -2px var(--focus),0 4px #0b0c0c; text-decoration:none; }
input:focus-visible { outline:3px solid var(--focus); outline-offset:0; box-shadow:inset 0 0 0 2px #0b0c0c; border-color:#0b0c0c; }
main:focus { outline:none; }

.skip-link { position:absolute; left:.75rem; top:-10rem; z-index:10; padding:.6rem 1rem; background:var(--focus); color:#0b0c0c; font-weight:bold; }
.skip-link:focus, .skip-link:focus-visible { top:.75rem; }

/* Header and footer */
.site-header { background:var(--accent); color:#fff; border-bottom:4px solid #06325a; }
.site-header-inner { max-width:64rem; margin:0 auto; padding:.7rem 1rem; display:flex; flex-wrap:wrap; justify-content:space-between; align-items:center; gap:.5rem 2rem; }
.site-header a { color:#fff; }
.site-title { display:flex; flex-direction:column; text-decoration:none; line-height:1.35; }
.site-name { font-weight:bold; font-size:1.2rem; letter-spacing:.04em; }
.site-tagline { font-size:.8rem; }
.site-nav { display:flex; flex-wrap:wrap; gap:.25rem 1.25rem; align-items:center; }
.site-nav a { padding:.3rem 0; text-decoration:none; border-bottom:3px solid transparent; }
.site-nav a:hover { border-bottom-color:rgba(255,255,255,.7); color:#fff; }
.site-nav a[aria-current=page] { border-bottom-color:#fff; font-weight:bold; }
.site-header a:focus-visible { color:#0b0c0c; border-color:transparent; }
.site-nav .lang-switch { border:1px solid rgba(255,255,255,.85); border-radius:4px; padding:.15rem .7rem; }
.site-footer { border-top:1px solid var(--line); background:#fff; color:var(--muted); font-size:.85rem; }
.site-footer-inner { max-width:64rem; margin:0 auto; padding:1rem 1rem 1.5rem; }
.site-footer p { margin:0 0 .4rem; }

main { display:block; flex:1 0 auto; width:100%; max-width:64rem; margin:1.5rem auto; padding:0 1rem 1.5rem; }
.panel { background:#fff; border:1px solid var(--line); border-radius:6px; padding:1.5rem 1.75rem; margin-bottom:1.5rem; }
.lead { font-size:1.02rem; }
.note { color:var(--muted); font-size:.88rem; }
.empty { padding:1rem; background:var(--bg); border-radius:4px; }
.table-scroll { overflow-x:auto; margin-bottom:.75rem; }

/* Buttons */
.button-primary { display:inline-flex; align-items:center; justify-content:center; min-height:2.75rem; padding:.5rem 1.75rem; border:2px solid var(--accent); border-radius:4px; background:var(--accent); color:#fff; font:inherit; font-size:1.05rem; font-weight:bold; cursor:pointer; text-decoration:none; }
.button-primary:hover { background:var(--accent-dark); border-color:var(--accent-dark); }

/* Verification form */
.verify-grid { display:grid; grid-template-columns:minmax(0,1fr); gap:0 1.5rem; align-items:start; }
@media (min-width:58rem) { .verify-grid { grid-template-columns:minmax(0,3fr) minmax(0,2fr); } }
.field { margin:1.25rem 0 1.5rem; }
label { display:block; font-weight:bold; font-size:1.08rem; }
.marker { color:var(--accent); margin-right:.3em; font-weight:bold; }
.help { color:var(--muted); font-size:.9rem; margin:.15rem 0 .5rem; }
.help p { margin:0 0 .2rem; }
input[type=text] { display:block; width:100%; max-width:22rem; font-family:var(--mono); font-size:1.3rem; letter-spacing:.08em; padding:.45rem .65rem; border:2px solid var(--field); border-radius:4px; background:#fff; color:var(--ink); }
input[aria-invalid=true] { border-color:var(--bad); }
.excluded-chars { list-style:none; margin:.35rem 0 .1rem; padding:0; display:flex; flex-wrap:wrap; gap:.35rem .9rem; }
.excluded-chars li { display:inline-flex; align-items:center; gap:.35rem; }
.char { display:inline-block; min-width:1.9rem; text-align:center; font-family:var(--mono); font-size:1.05rem; font-weight:bold; line-height:1.6; color:var(--ink); background:#fff; border:1px solid var(--field); border-radius:3px; }
.char-name { font-size:.85rem; }
.error-summary { border:3px solid var(--bad); border-radius:4px; padding:.75rem 1rem; margin:1rem 0 .5rem; background:#fff; }
.error-summary h2 { color:var(--bad); font-size:1.1rem; margin:0 0 .3rem; }
.error-summary p { margin:0; }
.opened { margin-top:1.5rem; padding-top:1rem; border-top:1px solid var(--line); }
.opened ul { margin:0; padding-left:1.25rem; }
.opened .note { margin:0; }
.verify-aside { font-size:.95rem; }
.notice-sample { margin:1rem 0 1.25rem; }
.notice-doc { position:relative; display:block; background:#fff; border:1px solid #a9adb3; box-shadow:0 2px 6px rgba(0,0,0,.12); padding:1rem 1.1rem 1.1rem; }
.sample-mark { position:absolute; top:.45rem; right:.55rem; border:2px solid var(--bad); color:var(--bad); font-size:.75rem; font-weight:bold; padding:0 .35rem; line-height:1.5; }
.notice-doc-title { font-family:var(--mincho); font-size:.92rem; text-align:center; margin:.9rem 0 .75rem; }
.notice-line { display:block; height:.4rem; margin:.4rem 0; background:#e3e5e8; border-radius:2px; }
.notice-line-short { width:60%; }
.notice-fields { margin:.75rem 0; }
.notice-fields div { display:flex; flex-wrap:wrap; align-items:baseline; gap:.2rem .75rem; margin:.35rem 0; padding:.25rem .5rem; background:#fff8d6; border:2px solid #c99700; border-radius:3px; }
.notice-fields dt { font-weight:bold; font-size:.88rem; }
.notice-fields dd { margin:0; font-family:var(--mono); letter-spacing:.06em; }
.notice-sample figcaption { font-size:.85rem; color:var(--muted); margin-top:.5rem; }
.help-list { margin:0; padding-left:1.25rem; }
.help-list li { margin-bottom:.4rem; }

/* Certificate page */
.cert-toolbar { display:flex; flex-wrap:wrap; justify-content:space-between; align-items:center; gap:.75rem 1.5rem; margin-bottom:1rem; }
.back-link::before { content:"\\2190\\00a0"; }
.print-group { display:inline-flex; flex-wrap:wrap; align-items:center; gap:.5rem 1rem; }
.print-group .note { margin:0; }
.verify-form .note { margin-top:.75rem; }
.banner { display:flex; flex-wrap:wrap; align-items:center; gap:.4rem .8rem; padding:.75rem 1rem; border:2px solid; border-radius:6px; margin-bottom:.75rem; font-weight:bold; font-size:1.08rem; }
.badge { display:inline-block; padding:.05rem .8rem; border-radius:999px; color:#fff; font-size:.95rem; letter-spacing:.05em; }
.banner-active { background:#e8f6ec; color:var(--ok); border-color:#6dbb85; }
.banner-active .badge { background:var(--ok); }
.banner-expired { background:#fff6e0; color:var(--warn); border-color:#d2a23a; }
.banner-expired .badge { background:var(--warn); }
.banner-cancelled { background:#fdeaea; color:var(--bad); border-color:#d77b7b; }
.banner-cancelled .badge { background:var(--bad); }
.banner-old { background:#eaf0f7; color:var(--ink); border-color:#7f9cc0; font-weight:normal; font-size:1rem; }
.check { background:#fff; border:1px solid var(--line); border-left:6px solid var(--ok); border-radius:6px; padding:.85rem 1.1rem; margin-bottom:1.25rem; }
.signature { display:flex; flex-wrap:wrap; align-items:baseline; gap:.2rem 1rem; margin:0 0 .5rem; }
.sig-result { color:var(--ok); font-weight:bold; font-size:1.1rem; }
.sig-neutral { color:var(--ink); }
.check-neutral { border-left-color:var(--field); }
.what-changed { border-left:6px solid var(--warn); }
.change-events { margin:.25rem 0 .75rem; padding-left:1.25rem; }
.changes-table { border-collapse:collapse; width:100%; }
.changes-table th, .changes-table td { border:1px solid var(--line); padding:.35rem .6rem; text-align:left; vertical-align:top; }
.changes-table thead th { background:var(--bg); }
.changes-table td.after { font-weight:bold; }
.sig-mark { display:inline-block; margin-right:.35em; }
.sig-detail { font-size:.92rem; }
.check-meta { display:grid; grid-template-columns:max-content minmax(0,1fr); gap:.1rem 1rem; margin:0; font-size:.92rem; }
.check-meta div { display:contents; }
.check-meta dt { color:var(--muted); white-space:nowrap; }
.check-meta dt::after { content:":"; }
:lang(ja) .check-meta dt::after { content:"："; }
.check-meta dd { margin:0; min-width:0; }
.panel .check-meta { margin-bottom:.75rem; }
.check-meta.panel { margin-bottom:1.5rem; }
.kid, .request-id { font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:.82rem; color:var(--muted); word-break:break-all; }
.contract-number { font-family:var(--mono); letter-spacing:.03em; }

.paper { position:relative; background:#fff; border:1px solid #b9bdc3; box-shadow:0 1px 4px rgba(0,0,0,.08); padding:2rem 3rem 2rem; margin-bottom:1.5rem; font-family:var(--mincho); }
.paper-head { display:flex; justify-content:space-between; align-items:flex-start; gap:1rem; min-height:3rem; }
.doc-ids { margin:0 0 0 auto; font-size:.95rem; }
.doc-ids div { display:flex; justify-content:flex-end; gap:.75rem; }
.doc-ids dd { margin:0; min-width:8rem; text-align:left; }
.stamps { display:flex; flex-wrap:wrap; gap:.6rem; padding:.35rem 0 0 .35rem; }
.stamp { display:inline-block; border:3px solid; border-radius:4px; padding:.1rem .8rem; font-family:var(--gothic); font-size:1.15rem; font-weight:bold; letter-spacing:.12em; transform:rotate(-5deg); }
.stamp-cancelled { color:var(--bad); }
.stamp-expired { color:var(--warn); }
.stamp-old { color:#2f4d73; }
.paper h1 { text-align:center; font-family:var(--mincho); font-weight:normal; font-size:2rem; letter-spacing:.4em; padding-left:.4em; margin:1rem 0 1.75rem; }
/* Spaced-out characters suit a Japanese title only; Latin words would fall apart. */
.paper h1:lang(en) { letter-spacing:.02em; padding-left:0; font-size:1.75rem; }
.parties { display:flex; flex-wrap:wrap; justify-content:space-between; align-items:flex-end; gap:1rem 2rem; margin-bottom:1.5rem; }
.addressee { font-size:1.4rem; margin:0; padding:0 2.5rem .1rem 0; border-bottom:1px solid var(--ink); }
.issuer { margin-left:auto; min-width:16rem; }
.issuer p { margin:0; }
.issuer-label { font-size:.85rem; color:var(--muted); }
.issuer-name { font-size:1.15rem; }
.certifies { margin:1.25rem 0 .25rem; text-indent:1em; }
.ki { text-align:center; margin:.5rem 0 .75rem; }
table { border-collapse:collapse; width:100%; }
th, td { border:1px solid #b9bdc3; padding:.4rem .75rem; line-height:1.5; text-align:left; vertical-align:top; }
thead th { background:#eef0f3; font-weight:bold; }
.fields th { width:13.5rem; background:#f4f5f7; font-weight:normal; }
.fields td { font-variant-numeric:tabular-nums; }
.fields tbody + tbody { border-top:3px double #8a8f96; }
.fields tr.is-key td { font-size:1.15rem; font-weight:bold; }
.members { list-style:none; margin:0; padding:0; }
.authoritative { font-family:var(--gothic); margin:1.25rem 0 0; }

.history-table td, .history-table th { white-space:nowrap; vertical-align:middle; }
.history-table .col-no { width:4.5rem; text-align:center; }
.history-table .col-select { width:8rem; text-align:center; }
.history-table tr.is-shown td { background:#fff8d6; font-weight:bold; }
.select-link { display:inline-block; min-width:4.5rem; padding:.1rem .9rem; border:2px solid var(--accent); border-radius:4px; text-decoration:none; font-weight:bold; }
.select-link:hover { background:var(--accent); color:#fff; }
.shown-mark { display:inline-block; padding:.1rem .5rem; }

/* Obligee list */
.obligees-table th.obligee-name { font-size:1.1rem; width:14rem; background:#fff; }
.products { margin:0; padding-left:1.2rem; }
.error-message { font-size:1.1rem; }
.request-ref { margin:1rem 0; }

@media (max-width:40rem) {
  main { margin-top:1rem; padding:0 .6rem 1rem; }
  .panel { padding:1.1rem 1rem; }
  .site-tagline { display:none; }
  .paper { padding:1.25rem 1rem; }
  .paper h1 { font-size:1.45rem; letter-spacing:.15em; padding-left:.15em; }
  .paper-head { flex-direction:column-reverse; }
  .doc-ids { margin:0; }
  .doc-ids div { justify-content:flex-start; }
  .doc-ids dd { min-width:0; text-align:left; }
  .addressee { font-size:1.2rem; }
  .issuer { margin-left:0; min-width:0; }
  .fields th, .fields td { display:block; width:auto; }
  .fields th { border-bottom:0; padding:.3rem .6rem; font-size:.85rem; }
  .fields td { border-top:0; }
  .history-table { font-size:.85rem; }
  .history-table td, .history-table th { white-space:normal; padding:.35rem .4rem; }
  .history-table .col-no { width:2.5rem; }
  .history-table .col-select { width:auto; }
  .history-table td:nth-child(3), .history-table .col-select { white-space:nowrap; }
  .check-meta { grid-template-columns:minmax(0,1fr); }
  .check-meta dd { padding-left:.75rem; margin-bottom:.2rem; }
  .select-link { min-width:0; padding:.1rem .5rem; }
}

@page { size:A4; margin:14mm 14mm 16mm; }
@media print {
  html { font-size:10pt; }
  body { background:#fff; line-height:1.55; -webkit-print-color-adjust:exact; print-color-adjust:exact; }
  .skip-link, .site-header, .site-footer, .no-print, [data-print], .history-table .col-select { display:none !important; }
  .print-only { display:block !important; }
  main { max-width:none; margin:0; padding:0; }
  .print-head { font-size:.85rem; color:var(--muted); border-bottom:1px solid var(--line); padding-bottom:.2rem; margin-bottom:.6rem; }
  .banner { margin-bottom:.4rem; padding:.35rem .7rem; break-inside:avoid; }
  .check { padding:.4rem .7rem; margin-bottom:.6rem; break-inside:avoid; }
  .paper { border:0; box-shadow:none; padding:0; margin:0 0 .8rem; }
  .paper h1 { margin:.2rem 0 .8rem; }
  .parties { margin-bottom:.8rem; }
  .certifies { margin-top:.6rem; }
  .panel { border:0; padding:0; margin:0; }
  .fields th, .fields td, .history-table th, .history-table td { padding:.2rem .6rem; line-height:1.4; }
  .fields tr, .history-table tr { break-inside:avoid; }
  .history h2 { margin-top:.6rem; break-after:avoid; }
  .history .note { break-after:avoid; }
  a { color:inherit; text-decoration:none; }
}
`;
