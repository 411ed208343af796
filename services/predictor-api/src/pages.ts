import { Invalid, MISSING, MISSING_LEVEL, parseValue, type DatasetContract, type Feature } from '@churn/churn-data';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// JSON inside <script>: escaping < keeps a value such as "</script>" from ending the element.
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const STYLE = `body{font:15px system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#1d2433}
label{display:grid;grid-template-columns:14rem 1fr;gap:.5rem;margin:.35rem 0;align-items:center}
input,select{padding:.3rem;font:inherit}button{padding:.45rem 1.2rem;font:inherit;margin-top:.8rem}
#result{margin-top:1rem;font-size:1.3rem}pre{background:#f4f5f7;padding:.8rem;overflow:auto}
code{background:#f4f5f7;padding:0 .25rem}table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.3rem .5rem;text-align:left}`;

/** The levels people pick from: under `missing: category` the missing level is the "(missing)" choice instead. */
const shownLevels = (feature: Feature) => (feature.levels ?? []).filter((level) => feature.missing !== 'category' || level !== MISSING_LEVEL);

/** The choices of a select, value as the request sends it and text as people read it. */
function choicesOf(feature: Feature): { value: string; text: string }[] {
  if (feature.kind === 'boolean') return ['false', 'true'].map((value) => ({ value, text: value }));
  if (feature.kind === 'ordinal') return shownLevels(feature).map((text, code) => ({ value: String(code), text }));
  return shownLevels(feature).map((level) => ({ value: level, text: level }));
}

/** The contract's example as the request would encode it, else the middle of the range; undefined leaves a number blank and a select on its first choice. */
function startValue(contract: DatasetContract, feature: Feature): string | undefined {
  const example = feature.example === undefined ? MISSING : parseValue(contract, feature, feature.example, 'text');
  if (example !== MISSING && example !== null && !(example instanceof Invalid)) return feature.kind === 'boolean' ? String(example === 1) : String(example);
  if (feature.min === undefined || feature.max === undefined) return undefined;
  const middle = (feature.min + feature.max) / 2;
  return String(feature.kind === 'integer' ? Math.round(middle) : middle);
}

function control(contract: DatasetContract, feature: Feature): string {
  const name = escape(feature.name);
  const optional = feature.missing !== 'drop';
  const start = startValue(contract, feature);
  if (feature.kind === 'numeric' || feature.kind === 'integer') {
    const bounds = `${feature.min !== undefined ? ` min="${feature.min}"` : ''}${feature.max !== undefined ? ` max="${feature.max}"` : ''}`;
    const step = feature.kind === 'integer' ? '1' : 'any';
    return `<input name="${name}" type="number"${bounds} step="${step}" value="${escape(start ?? '')}"${optional ? ' placeholder="(missing)"' : ' required'}>`;
  }
  const choices = choicesOf(feature);
  const selected = choices.some((choice) => choice.value === start) ? start : choices[0]?.value;
  const options = choices.map(({ value, text }) => `<option value="${escape(value)}"${value === selected ? ' selected' : ''}>${escape(text)}</option>`);
  return `<select name="${name}">${optional ? '<option value="">(missing)</option>' : ''}${options.join('')}</select>`;
}

const field = (contract: DatasetContract, feature: Feature) =>
  `<label${feature.description ? ` title="${escape(feature.description)}"` : ''}><span>${escape(feature.label)} <small><code>${escape(feature.name)}</code></small></span>${control(contract, feature)}</label>`;

/** GET /: a form generated from the contract that scores one customer through POST /predict (inline script, no CDN). */
export function formPage(contract: DatasetContract): string {
  const title = contract.spec.title ?? contract.name;
  const kinds = Object.fromEntries(contract.features.map((feature) => [feature.name, feature.kind]));
  const answer = { chance: contract.response.chance_field, runId: contract.response.run_id_field };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Churn predictor: ${escape(title)}</title><style>${STYLE}</style></head><body>
<h1>Churn predictor: ${escape(title)}</h1><p>${escape(contract.spec.description ?? 'Score one customer.')} API: <a href="/docs">/docs</a>, <a href="/openapi.json">/openapi.json</a>.</p>
<form id="customer">
${contract.features.map((feature) => field(contract, feature)).join('\n')}
<button type="submit">Score</button></form><div id="result" role="status"></div>
<script>
const form = document.getElementById('customer');
const result = document.getElementById('result');
const kinds = ${scriptJson(kinds)};
const answer = ${scriptJson(answer)};
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = {};
  for (const [name, value] of new FormData(form)) {
    // Blank is "(missing)": left out, the contract imputes it or gives it its own level.
    if (value === '') continue;
    body[name] = kinds[name] === 'categorical' ? value : kinds[name] === 'boolean' ? value === 'true' : Number(value);
  }
  result.textContent = 'scoring...';
  try {
    const response = await fetch('/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const data = await response.json();
    result.textContent = response.ok
      ? 'Churn chance: ' + (data[answer.chance] * 100).toFixed(1) + '% (model ' + data[answer.runId] + ')'
      : 'Error: ' + data.error;
  } catch (error) { result.textContent = 'Error: ' + error; }
});
</script></body></html>`;
}

/** What a feature accepts, in words for the /docs table. */
function validValues(feature: Feature): string {
  const accepts = (() => {
    switch (feature.kind) {
      case 'numeric':
      case 'integer': {
        const { min, max } = feature;
        const any = feature.kind === 'integer' ? 'any integer' : 'any number';
        if (min !== undefined && max !== undefined) return `${min} to ${max}`;
        return min !== undefined ? `at least ${min}` : max !== undefined ? `at most ${max}` : any;
      }
      case 'boolean':
        return `true or false; also ${[...feature.trueValues].join(', ')} / ${[...feature.falseValues].join(', ')}`;
      case 'categorical':
        return shownLevels(feature).join(', ');
      case 'ordinal':
        return `a code or its label: ${shownLevels(feature).map((level, code) => `${code} = ${level}`).join(', ')}`;
    }
  })();
  if (feature.missing === 'impute') return `${accepts}; may be missing (imputed)`;
  return feature.missing === 'category' ? `${accepts}; may be missing (its own level)` : accepts;
}

interface OpenApiLike {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, { summary?: string; responses: Record<string, { description: string }> }>>;
  components: { schemas: Record<string, unknown> };
}

/** GET /docs: the OpenAPI document rendered as plain HTML (paths, the contract's features, raw schemas). */
export function docsPage(openapi: Record<string, unknown>, contract: DatasetContract): string {
  const doc = openapi as unknown as OpenApiLike;
  const features = contract.features
    .map((f) => `<tr><td><code>${escape(f.name)}</code></td><td>${escape(f.label)}</td><td>${f.kind}</td><td>${escape(validValues(f))}</td><td>${escape(f.description ?? '')}</td></tr>`)
    .join('');
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
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>${escape(doc.info.title)}</title><style>${STYLE}</style></head><body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1><p>${escape(doc.info.description ?? '')} Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<h2>Paths</h2><table><tr><th>Endpoint</th><th>Summary</th><th>Responses</th></tr>${paths}</table>
<h2>Features</h2><p>The fields of a <a href="#PredictionRequest">PredictionRequest</a>, from the ${escape(contract.name)} dataset contract.</p>
<table><tr><th>Name</th><th>Label</th><th>Kind</th><th>Valid values</th><th>Description</th></tr>${features}</table><h2>Schemas</h2>${schemas}</body></html>`;
}
