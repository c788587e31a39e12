// Page styles, inlined (no external assets to fetch); a print stylesheet keeps certificates to plain A4.
export const styles = `
:root { --ink:#1a1a1a; --muted:#555; --line:#c8c8c8; --accent:#0b4f8a; --ok:#0a6b2d; --warn:#8a5a00; --bad:#a11212; }
* { box-sizing: border-box; }
body { margin:0; font-family: "BIZ UDPGothic","BIZ UDGothic","Hiragino Sans","Noto Sans JP",sans-serif; color:var(--ink); line-height:1.7; background:#f6f7f9; }
.site-header { display:flex; flex-wrap:wrap; justify-content:space-between; align-items:center; gap:.5rem 1.5rem; padding:.75rem 1.5rem; background:var(--accent); color:#fff; }
.site-header a { color:#fff; }
.site-title { font-weight:bold; font-size:1.15rem; text-decoration:none; }
.site-header nav { display:flex; gap:1.25rem; flex-wrap:wrap; }
main { max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem 3rem; }
.panel { background:#fff; border:1px solid var(--line); border-radius:6px; padding:1.5rem; margin-bottom:1.5rem; }
h1 { font-size:1.5rem; margin:0 0 1rem; }
h2 { font-size:1.2rem; margin:1.5rem 0 .75rem; }
label { display:block; font-weight:bold; margin-top:1rem; }
.help { color:var(--muted); font-size:.9rem; margin:.2rem 0 .4rem; }
input[type=text] { font-size:1.2rem; padding:.5rem .6rem; width:100%; max-width:22rem; border:1px solid #888; border-radius:4px; font-family: "BIZ UDGothic", monospace; letter-spacing:.05em; }
button, .button { display:inline-block; margin-top:1.25rem; font-size:1.05rem; padding:.6rem 1.6rem; border:0; border-radius:4px; background:var(--accent); color:#fff; cursor:pointer; text-decoration:none; }
.error-box { border-left:5px solid var(--bad); background:#fff2f2; padding:.75rem 1rem; margin-bottom:1rem; }
.banner { padding:.75rem 1rem; border-radius:4px; font-weight:bold; margin-bottom:1rem; }
.banner-active { background:#e8f6ec; color:var(--ok); border:1px solid #9bd3ad; }
.banner-expired { background:#fff6e0; color:var(--warn); border:1px solid #e7c66f; }
.banner-cancelled { background:#fdeaea; color:var(--bad); border:1px solid #e9a3a3; }
.signature { font-size:.95rem; }
.signature .ok { color:var(--ok); font-weight:bold; }
.signature .bad { color:var(--bad); font-weight:bold; }
.kid { font-family: monospace; font-size:.8rem; color:var(--muted); word-break:break-all; }
.certificate h1 { text-align:center; font-family:"BIZ UDPMincho","BIZ UDMincho",serif; font-size:1.7rem; letter-spacing:.3em; margin-bottom:1.5rem; }
.addressee { font-size:1.15rem; margin-bottom:1rem; }
table { border-collapse:collapse; width:100%; }
th, td { border:1px solid var(--line); padding:.45rem .6rem; text-align:left; vertical-align:top; }
th { background:#f0f2f5; font-weight:normal; width:14rem; }
td.amount { font-variant-numeric: tabular-nums; }
.history th { width:auto; }
.note { color:var(--muted); font-size:.9rem; }
.issuer { margin-top:1.5rem; text-align:right; }
.actions { margin-top:1rem; }
@media print {
  body { background:#fff; }
  .site-header, .actions, .no-print, nav { display:none !important; }
  main { margin:0; max-width:none; padding:0; }
  .panel { border:0; padding:0; }
  a { color:inherit; text-decoration:none; }
  @page { size: A4; margin: 18mm 16mm; }
}
`;
