// Staff portal styles, appended to the public stylesheet: forms, tables, navigation and messages.
export const adminStyles = `
.admin-header .site-header-inner { max-width:80rem; }
.admin-main { max-width:80rem; }
.admin-nav { display:flex; flex-wrap:wrap; gap:.25rem 1rem; align-items:center; }
.admin-nav a { color:#fff; }
.admin-nav form { display:inline; margin:0; }
.link-button { background:none; border:1px solid rgba(255,255,255,.85); border-radius:4px; color:#fff; font:inherit; padding:.15rem .7rem; cursor:pointer; }
.who { font-size:.85rem; }
.flash { border:2px solid #6dbb85; background:#e8f6ec; color:var(--ok); padding:.6rem 1rem; border-radius:4px; margin-bottom:1rem; font-weight:bold; }
.flash-warn { border-color:#d2a23a; background:#fff6e0; color:var(--warn); }
.form-grid { display:grid; grid-template-columns:repeat(auto-fill,minmax(18rem,1fr)); gap:.25rem 1.5rem; }
.admin-field { margin:.6rem 0 .9rem; }
.admin-field label, .admin-field legend { font-size:.98rem; font-weight:bold; }
.admin-field input[type=text], .admin-field input[type=email], .admin-field input[type=password], .admin-field input[type=date], .admin-field input[type=number], .admin-field input[type=search], .admin-field select, .admin-field textarea, .admin-field input[type=file] { display:block; width:100%; max-width:32rem; font:inherit; font-size:1rem; letter-spacing:normal; padding:.35rem .5rem; border:2px solid var(--field); border-radius:4px; background:#fff; color:var(--ink); }
.admin-field input:focus-visible, .admin-field select:focus-visible, .admin-field textarea:focus-visible { outline:3px solid var(--focus); box-shadow:inset 0 0 0 2px #0b0c0c; }
.admin-field [aria-invalid=true] { border-color:var(--bad); }
.field-error { color:var(--bad); font-weight:bold; margin:.15rem 0; font-size:.92rem; }
.required { display:inline-block; margin-left:.4rem; padding:0 .4rem; background:var(--bad); color:#fff; font-size:.75rem; border-radius:3px; vertical-align:middle; }
fieldset { border:1px solid var(--line); border-radius:6px; padding:.5rem 1rem 1rem; margin:0 0 1rem; }
legend { font-weight:bold; padding:0 .3rem; }
.checks label { display:inline-flex; gap:.3rem; font-weight:normal; margin-right:1rem; }
.button-secondary { display:inline-flex; align-items:center; min-height:2.5rem; padding:.35rem 1.2rem; border:2px solid var(--accent); border-radius:4px; background:#fff; color:var(--accent); font:inherit; font-weight:bold; cursor:pointer; text-decoration:none; }
.button-danger { display:inline-flex; align-items:center; min-height:2.5rem; padding:.35rem 1.2rem; border:2px solid var(--bad); border-radius:4px; background:var(--bad); color:#fff; font:inherit; font-weight:bold; cursor:pointer; }
.button-row { display:flex; flex-wrap:wrap; gap:.75rem; align-items:center; margin:.75rem 0; }
.button-row form { margin:0; }
.admin-table td, .admin-table th { font-size:.92rem; }
.admin-table td.num { text-align:right; font-variant-numeric:tabular-nums; }
.review-table { table-layout:fixed; margin-bottom:1rem; }
.review-table th[scope=row] { width:35%; }
.review-table caption { text-align:left; font-weight:bold; padding:.5rem 0 .25rem; }
.send-back blockquote { margin:.5rem 0; padding:.5rem 1rem; border-left:4px solid var(--accent); background:#f7f9fc; }
.search-grid { display:grid; grid-template-columns:repeat(auto-fill,minmax(14rem,1fr)); gap:0 1rem; }
.pager { display:flex; gap:1rem; align-items:center; margin:.75rem 0; }
.key-box { font-family:var(--mono); font-size:1.6rem; letter-spacing:.12em; padding:.3rem .9rem; border:2px solid var(--ink); background:#fff; display:inline-block; }
.hidden-row td { background:#f4f5f7; color:var(--muted); }
.diff-table td, .diff-table th { font-size:.88rem; }
.diff-before { background:#fdeaea; }
.diff-after { background:#e8f6ec; }
.ratio { font-weight:bold; margin-left:.5rem; }
.recovery { columns:2; font-family:var(--mono); font-size:1.15rem; }
.secret { font-family:var(--mono); word-break:break-all; }
.qr img { width:220px; height:220px; image-rendering:pixelated; border:1px solid var(--line); }
.tag { display:inline-block; padding:0 .5rem; border-radius:3px; background:#eef0f3; border:1px solid var(--line); font-size:.85rem; }
.tag-warn { background:#fff6e0; border-color:#d2a23a; color:var(--warn); }
pre.detail { white-space:pre-wrap; word-break:break-all; margin:0; font-size:.8rem; }
.tabs a[aria-current=page] { background:var(--accent); color:#fff; }
.mail-reason { margin:0 0 .25rem; }
.seq { font-size:.8rem; font-weight:normal; color:var(--muted); }
.confirm { border:2px solid var(--bad); padding:.5rem .75rem; background:#fff; }
.audit-values { margin:0; display:grid; grid-template-columns:max-content 1fr; gap:.1rem .75rem; font-size:.85rem; }
.audit-values dt { font-weight:bold; }
.audit-values dd { margin:0; }
@media print { .admin-header, .admin-nav, .no-print { display:none !important; } }
.print-sheet { display:none; }
.print-sheet .print-key, .print-sheet .print-number { font-family:var(--mono); font-size:1.8rem; letter-spacing:.15em; }
@media print {
  .admin-main:has(> .print-sheet) > :not(.print-sheet), .skip-link { display:none !important; }
  .print-sheet { display:block; }
  .print-sheet .print-key { border:2px solid #000; padding:.2rem .6rem; }
}
`;
