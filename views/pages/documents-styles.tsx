// Styles of the document panels and pages (certificate PDF, verification receipt, file verification), kept beside
// them and inlined with the response's CSP nonce like the layout's.
const css = `
.documents-grid { display:grid; grid-template-columns:minmax(0,1fr); gap:1rem 2rem; }
@media (min-width:58rem) { .documents-grid { grid-template-columns:minmax(0,1fr) minmax(0,1fr); } }
.documents h2 { margin-top:0; }
.documents h3 { font-size:1.05rem; margin:0 0 .4rem; }
.documents .field { margin:.6rem 0 .8rem; }
.documents label { font-size:.95rem; }
.button-secondary { display:inline-flex; align-items:center; justify-content:center; min-height:2.75rem; padding:.45rem 1.4rem; border:2px solid var(--accent); border-radius:4px; background:#fff; color:var(--accent); font:inherit; font-weight:bold; text-decoration:none; cursor:pointer; }
.button-secondary:hover { background:var(--accent); color:#fff; }
.doc-input { display:block; width:100%; max-width:26rem; font-family:var(--gothic) !important; font-size:1.05rem !important; letter-spacing:normal !important; padding:.45rem .65rem; border:2px solid var(--field); border-radius:4px; background:#fff; color:var(--ink); }
.doc-actions { display:flex; flex-wrap:wrap; gap:.75rem 1rem; align-items:center; margin:.75rem 0; }
.checks { list-style:none; margin:.5rem 0 1rem; padding:0; border:1px solid var(--line); border-radius:6px; }
.checks li { display:grid; grid-template-columns:2rem minmax(8rem,max-content) minmax(0,1fr); gap:.2rem .75rem; padding:.5rem .75rem; border-top:1px solid var(--line); }
.checks li:first-child { border-top:0; }
.checks .mark { font-weight:bold; text-align:center; }
.checks .passed .mark { color:var(--ok); }
.checks .failed { background:#fdeaea; }
.checks .failed .mark, .checks .failed .check-label { color:var(--bad); }
.checks .skipped { color:var(--muted); }
.checks .check-label { font-weight:bold; }
.checks .check-reason, .checks .result-reason { word-break:break-all; }
@media (max-width:40rem) { .checks li { grid-template-columns:1.5rem minmax(0,1fr); } .checks .check-reason { grid-column:2; } }
.file-input { display:block; margin:.5rem 0 1rem; font:inherit; }
.hash { font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:.85rem; word-break:break-all; }
`;

export function DocumentsStyle(props: { nonce?: string | undefined }) {
  return <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: css }} />;
}
