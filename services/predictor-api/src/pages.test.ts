import { runInNewContext } from 'node:vm';
import { DatasetContract, defaultContract, parseRequest } from '@churn/churn-data';
import { buildOpenApi } from './openapi.js';
import { docsPage, formPage } from './pages.js';

const gym = DatasetContract.parse(
  `version: 1
name: gym
title: Gym <members>
description: Scores the chance that a gym member cancels.
source: members.csv
target: { column: left, positive: ['yes'], negative: ['no'] }
response: { chance_field: p_leave, run_id_field: run }
features:
  - { name: monthly_fee, kind: numeric, label: Monthly fee, min: 0, max: 500, missing: impute }
  - { name: visits, kind: integer, label: Visits per week, min: 0, description: 'Average "visits" <per week>' }
  - { name: has_locker, kind: boolean, label: Has a locker, example: 'yes' }
  - { name: plan, kind: categorical, label: 'Plan & <extras>', levels: [basic, 'premium <vip>'], missing: category }
  - { name: satisfaction, kind: ordinal, label: Satisfaction, levels: [low, medium, high], missing: impute, example: medium }
`,
  'gym.yaml',
);

const unescape = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
const attribute = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const optionsOf = (control: string) =>
  [...control.matchAll(/<option value="([^"]*)"( selected)?>(.*?)<\/option>/g)].map(([, value = '', selected, text = '']) => ({ value: unescape(value), text: unescape(text), selected: Boolean(selected) }));

/** The form's fields in page order: the label text, the column name shown beside it, the input or select. */
const fieldsOf = (html: string) =>
  [...html.matchAll(/<label[^>]*><span>(.*?) <small><code>(.*?)<\/code><\/small><\/span>(.*?)<\/label>/g)].map(([, label = '', column = '', control = '']) => ({
    label: unescape(label),
    column: unescape(column),
    control,
  }));
const field = (html: string, name: string) => fieldsOf(html).find((f) => attribute(f.control, 'name') === name)?.control ?? '';

/** What the browser would submit untouched: each input's value, each select's selected (else first) option. */
const defaultsOf = (html: string): [string, string][] =>
  fieldsOf(html).map(({ control }) => {
    const options = optionsOf(control);
    const value = control.startsWith('<input') ? attribute(control, 'value') : (options.find((o) => o.selected) ?? options[0])?.value;
    return [attribute(control, 'name') ?? '', unescape(value ?? '')];
  });

/** Runs the page's inline script with stand-ins for the DOM and fetch, submits `entries` as FormData yields them, and returns the posted body and the result text. */
async function submit(html: string, entries: [string, string][], answer: Record<string, unknown>) {
  const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
  let onSubmit: ((event: { preventDefault(): void }) => Promise<void>) | undefined;
  const form = { addEventListener: (_type: string, handler: typeof onSubmit) => (onSubmit = handler) };
  const result = { textContent: '' };
  let posted: unknown;
  runInNewContext(script, {
    document: { getElementById: (id: string) => (id === 'customer' ? form : result) },
    FormData: class {
      [Symbol.iterator]() {
        return entries[Symbol.iterator]();
      }
    },
    fetch: async (_url: string, init: { body: string }) => {
      posted = JSON.parse(init.body);
      return { ok: true, json: async () => answer };
    },
  });
  await onSubmit?.({ preventDefault() {} });
  return { posted, result: result.textContent };
}

describe('the form', () => {
  const bank = defaultContract();
  const bankForm = formPage(bank);
  const gymForm = formPage(gym);

  it('when it is built for BankChurners, then it has one field per feature, named by its column and labelled by the contract', () => {
    const fields = fieldsOf(bankForm);
    expect(fields.map((f) => f.column)).toEqual(bank.featureNames);
    expect(fields.map((f) => attribute(f.control, 'name'))).toEqual(bank.featureNames);
    expect(fields.map((f) => f.label)).toEqual(['Age', 'Gender', 'Dependents', 'Education', 'Marital status', 'Income', 'Card', 'Months on book', 'Products held', 'Credit limit', 'Revolving balance']);
  });

  it('when it is built for BankChurners, then numbers carry the range and step, and selects the levels, ordinals by code', () => {
    expect(field(bankForm, 'customer_age')).toBe('<input name="customer_age" type="number" min="18" max="120" step="1" value="45" required>');
    expect(field(bankForm, 'credit_limit')).toContain('step="any" value="5000" required');
    expect(optionsOf(field(bankForm, 'card_category')).map((o) => o.value)).toEqual(['blue', 'silver', 'gold', 'platinum']);
    expect(optionsOf(field(bankForm, 'education_level'))).toEqual(
      ['uneducated', 'high school', 'college', 'graduate', 'post-graduate', 'doctorate'].map((text, code) => ({ value: String(code), text, selected: code === 0 })),
    );
    expect(optionsOf(field(bankForm, 'income_category')).map((o) => o.text)).toEqual(['less than $40k', '$40k - $60k', '$60k - $80k', '$80k - $120k', '$120k +']);
  });

  it('when it is built for another contract, then it renders that contract’s fields, defaults and missing choices', () => {
    expect(fieldsOf(gymForm).map((f) => [f.column, f.label])).toEqual([
      ['monthly_fee', 'Monthly fee'],
      ['visits', 'Visits per week'],
      ['has_locker', 'Has a locker'],
      ['plan', 'Plan & <extras>'],
      ['satisfaction', 'Satisfaction'],
    ]);
    // No example: the middle of the range; imputed, so it may be left blank.
    expect(field(gymForm, 'monthly_fee')).toBe('<input name="monthly_fee" type="number" min="0" max="500" step="any" value="250" placeholder="(missing)">');
    // No example and no upper bound: blank, and required because missing values are dropped.
    expect(field(gymForm, 'visits')).toBe('<input name="visits" type="number" min="0" step="1" value="" required>');
    expect(optionsOf(field(gymForm, 'has_locker'))).toEqual([
      { value: 'false', text: 'false', selected: false },
      { value: 'true', text: 'true', selected: true },
    ]);
    expect(optionsOf(field(gymForm, 'plan'))).toEqual([
      { value: '', text: '(missing)', selected: false },
      { value: 'basic', text: 'basic', selected: true },
      { value: 'premium <vip>', text: 'premium <vip>', selected: false },
    ]);
    expect(optionsOf(field(gymForm, 'satisfaction')).find((o) => o.selected)).toEqual({ value: '1', text: 'medium', selected: true });
    expect(gymForm).toContain('<title>Churn predictor: Gym &#60;members&#62;</title>');
    expect(gymForm).toContain('title="Average &#34;visits&#34; &#60;per week&#62;"');
    expect(gymForm).not.toMatch(/<(extras|vip|members|per week)>/);
  });

  it('when it keeps the predictor look, then it is self-contained with a status line and links to the API docs', () => {
    for (const html of [bankForm, gymForm]) {
      expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
      expect(html).toContain('<div id="result" role="status"></div>');
      expect(html).toContain('<a href="/docs">/docs</a>, <a href="/openapi.json">/openapi.json</a>');
    }
  });

  it('when BankChurners defaults are submitted, then the script posts a body the contract accepts and shows its churn chance', async () => {
    const { posted, result } = await submit(bankForm, defaultsOf(bankForm), { 'churn chance': 0.1234, model_run_id: 'abc' });
    expect(posted).toEqual({ customer_age: 45, gender: 'm', dependent_count: 2, education_level: 0, marital_status: 'married', income_category: 0, card_category: 'blue', months_on_book: 36, total_relationship_count: 4, credit_limit: 5000, total_revolving_bal: 1000 });
    expect(parseRequest(bank, posted, 'json').ok).toBe(true);
    expect(result).toBe('Churn chance: 12.3% (model abc)');
  });

  it('when another contract’s form is submitted with blanks, then they are left out, booleans are sent as booleans, and the chance is read from that contract’s field', async () => {
    const { posted, result } = await submit(gymForm, [['monthly_fee', ''], ['visits', '3'], ['has_locker', 'false'], ['plan', ''], ['satisfaction', '2']], { p_leave: 0.5, run: 'r-7' });
    expect(posted).toEqual({ visits: 3, has_locker: false, satisfaction: 2 });
    expect(parseRequest(gym, posted, 'json')).toEqual({ ok: true, features: { monthly_fee: null, visits: 3, has_locker: 0, plan: 'missing', satisfaction: 2 } });
    expect(result).toBe('Churn chance: 50.0% (model r-7)');
  });

  it('when a response field name holds markup, then it stays inside the script and is still read', async () => {
    const odd = DatasetContract.parse(
      `version: 1
name: odd
source: x.csv
target: { column: left, positive: ['1'], negative: ['0'] }
response: { chance_field: '</script><b>chance', run_id_field: run }
features: [{ name: age, kind: integer, example: 40 }]
`,
      'odd.yaml',
    );
    const html = formPage(odd);
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect((await submit(html, [['age', '40']], { '</script><b>chance': 0.25, run: 'r' })).result).toBe('Churn chance: 25.0% (model r)');
  });
});

describe('the docs page', () => {
  it('when it is built for BankChurners, then a features table from the contract comes before the raw schemas', () => {
    const contract = defaultContract();
    const html = docsPage(buildOpenApi(contract), contract);
    const features = html.indexOf('<h2>Features</h2>');
    expect(features).toBeGreaterThan(html.indexOf('<h2>Paths</h2>'));
    expect(features).toBeLessThan(html.indexOf('<h2>Schemas</h2>'));
    expect(html.match(/<tr><td><code>[a-z_]+<\/code><\/td>/g)).toHaveLength(contract.features.length);
    expect(html).toContain("<tr><td><code>customer_age</code></td><td>Age</td><td>integer</td><td>18 to 120</td><td>The customer&#39;s age in years.</td></tr>");
    expect(html).toContain('<tr><td><code>card_category</code></td><td>Card</td><td>categorical</td><td>blue, silver, gold, platinum</td><td></td></tr>');
    expect(html).toContain('<td>a code or its label: 0 = uneducated, 1 = high school, 2 = college, 3 = graduate, 4 = post-graduate, 5 = doctorate</td>');
    expect(html).toContain('<h1>Churn predictor API: Credit-card customers (BankChurners) <small>0.1.0</small></h1>');
  });

  it('when it is built for another contract, then its features, missing policies and markup-laden labels are shown escaped', () => {
    const html = docsPage(buildOpenApi(gym), gym);
    expect(html).toContain('<tr><td><code>monthly_fee</code></td><td>Monthly fee</td><td>numeric</td><td>0 to 500; may be missing (imputed)</td><td></td></tr>');
    expect(html).toContain('<tr><td><code>visits</code></td><td>Visits per week</td><td>integer</td><td>at least 0</td><td>Average &#34;visits&#34; &#60;per week&#62;</td></tr>');
    expect(html).toContain('<td>true or false; also true, 1, yes, y, t / false, 0, no, n, f</td>');
    expect(html).toContain('<tr><td><code>plan</code></td><td>Plan &#38; &#60;extras&#62;</td><td>categorical</td><td>basic, premium &#60;vip&#62;; may be missing (its own level)</td><td></td></tr>');
    expect(html).not.toMatch(/<(extras|vip|members|per week)>/);
  });
});
