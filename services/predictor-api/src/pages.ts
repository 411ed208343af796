import { CARD_CATEGORIES, EDUCATION_LEVELS, GENDERS, INCOME_CATEGORIES, MARITAL_STATUSES } from '@churn/churn-data';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `body{font:15px system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#1d2433}
label{display:grid;grid-template-columns:14rem 1fr;gap:.5rem;margin:.35rem 0;align-items:center}
input,select{padding:.3rem;font:inherit}button{padding:.45rem 1.2rem;font:inherit;margin-top:.8rem}
#result{margin-top:1rem;font-size:1.3rem}pre{background:#f4f5f7;padding:.8rem;overflow:auto}
code{background:#f4f5f7;padding:0 .25rem}table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.3rem .5rem;text-align:left}`;

const select = (name: string, options: readonly string[], codes = false) =>
  `<label>${name}<select name="${name}">${options.map((o, i) => `<option value="${codes ? i : o}">${escape(o)}</option>`).join('')}</select></label>`;
const number = (name: string, value: number, step = 1) => `<label>${name}<input name="${name}" type="number" step="${step}" value="${value}" required></label>`;

/** GET /: a form that scores one customer through POST /predict (inline script, no CDN). */
export function formPage(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Churn predictor</title><style>${STYLE}</style></head><body>
<h1>Churn predictor</h1><p>Score one credit-card customer. API: <a href="/docs">/docs</a>, <a href="/openapi.json">/openapi.json</a>.</p>
<form id="customer">
${number('customer_age', 45)}${select('gender', GENDERS)}${number('dependent_count', 2)}${select('education_level', EDUCATION_LEVELS, true)}
${select('marital_status', MARITAL_STATUSES)}${select('income_category', INCOME_CATEGORIES, true)}${select('card_category', CARD_CATEGORIES)}
${number('months_on_book', 36)}${number('total_relationship_count', 4)}${number('credit_limit', 5000, 0.01)}${number('total_revolving_bal', 1000)}
<button type="submit">Score</button></form><div id="result" role="status"></div>
<script>
const form = document.getElementById('customer');
const result = document.getElementById('result');
const numeric = new Set(['customer_age','dependent_count','education_level','income_category','months_on_book','total_relationship_count','credit_limit','total_revolving_bal']);
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = {};
  for (const [key, value] of new FormData(form)) body[key] = numeric.has(key) ? Number(value) : value;
  result.textContent = 'scoring...';
  try {
    const response = await fetch('/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const data = await response.json();
    result.textContent = response.ok
      ? 'Churn chance: ' + (data['churn chance'] * 100).toFixed(1) + '% (model ' + data.model_run_id + ')'
      : 'Error: ' + data.error;
  } catch (error) { result.textContent = 'Error: ' + error; }
});
</script></body></html>`;
}

interface OpenApiLike {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { summary?: string; responses: Record<string, { description: string }> }>>;
  components: { schemas: Record<string, unknown> };
}

/** GET /docs: the OpenAPI document rendered as plain HTML (paths, responses, schemas). */
export function docsPage(openapi: Record<string, unknown>): string {
  const doc = openapi as unknown as OpenApiLike;
  const paths = Object.entries(doc.paths)
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(
        ([method, op]) =>
          `<tr><td><code>${method.toUpperCase()} ${escape(path)}</code></td><td>${escape(op.summary ?? '')}</td><td>${Object.entries(op.responses)
            .map(([status, r]) => `${status}: ${escape(r.description)}`)
            .join('<br>')}</td></tr>`,
      ),
    )
    .join('');
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, schema]) => `<h3 id="${name}">${name}</h3><pre>${escape(JSON.stringify(schema, null, 2))}</pre>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escape(doc.info.title)}: API</title><style>${STYLE}</style></head><body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1><p>${escape(doc.info.description ?? '')} Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<h2>Paths</h2><table><tr><th>Endpoint</th><th>Summary</th><th>Responses</th></tr>${paths}</table><h2>Schemas</h2>${schemas}</body></html>`;
}
