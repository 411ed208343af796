const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** Numbers for tables: p-values in scientific notation when tiny, others to four significant digits. */
export function formatNumber(value: number | undefined | null): string {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (value === 0) return '0';
  if (Math.abs(value) < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

export const BASE_CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:16px 0 8px}h2{font-size:17px;margin:28px 0 8px}
.banner{padding:14px 18px;border-radius:6px;font-size:17px;font-weight:600;margin:12px 0}
.drift{background:#fde2e1;color:#8a1c14;border:1px solid #f2b8b5}.ok{background:#e3f5e6;color:#1d5e2a;border:1px solid #b6e2bf}
.empty{background:#eee;color:#444;border:1px solid #ccc}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;font-size:14px}dl.meta dt{color:#666}dl.meta dd{margin:0;font-family:ui-monospace,monospace}
table{border-collapse:collapse;width:100%;font-size:13px;background:#fff}th,td{border:1px solid #ddd;padding:5px 8px;text-align:left}
th{background:#f0f0f0}td.num{text-align:right;font-family:ui-monospace,monospace}
tr.drifted td{background:#fff3f2}.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.badge.drift{background:#d93025;color:#fff;border:0}.badge.ok{background:#1e8e3e;color:#fff;border:0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(470px,1fr));gap:12px}.chart{background:#fff;border:1px solid #e3e3e3;border-radius:4px;padding:4px}
footer{margin-top:32px;color:#888;font-size:12px}
`;
