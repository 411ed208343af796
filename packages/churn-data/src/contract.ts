import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';
import { contractFileSchema, type ContractFile, type FeatureSpec } from './contract-schema.js';

/** Where the shipped contracts live; `DATASET=<name>` means datasets/<name>.yaml. */
export const DATASETS_DIR = fileURLToPath(new URL('../../../datasets/', import.meta.url));
/** The suite's default dataset. */
export const DEFAULT_DATASET = 'bankchurners';
/** The value a missing categorical takes under `missing: category`. */
export const MISSING_LEVEL = 'missing';

/** Thrown for a contract file that cannot be used: names the file, the line and the rule. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  constructor(
    readonly file: string,
    readonly path: string,
    readonly line: number | undefined,
    readonly rule: string,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${path ? `${path}: ` : ''}${rule}`);
  }
}

/** A feature with everything derived from the contract's defaults resolved. */
export interface Feature extends FeatureSpec {
  label: string;
  /** Normalised missing tokens (trimmed, case-folded like values). */
  missingTokens: ReadonlySet<string>;
  /** Normalised levels; for `missing: category` the MISSING_LEVEL is the last one. */
  levels?: string[];
  trueValues: ReadonlySet<string>;
  falseValues: ReadonlySet<string>;
}

const DEFAULT_TRUE = ['true', '1', 'yes', 'y', 't'];
const DEFAULT_FALSE = ['false', '0', 'no', 'n', 'f'];

function lineOf(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  // The deepest node of the path that exists: a missing key points at its parent.
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as Node | undefined;
    const start = node && (isMap(node) || isSeq(node) || 'range' in node) ? node.range?.[0] : undefined;
    if (start !== undefined) return counter.linePos(start).line;
  }
  return undefined;
}

/**
 * A dataset contract: the declaration of a churn CSV every layer of the suite reads (cleaning,
 * features, request validation, forms, drift, the simulator). Loaded once and passed around.
 */
export class DatasetContract {
  readonly features: readonly Feature[];
  readonly featureNames: readonly string[];
  /** Features the model reads as one number: numeric, integer, boolean (0/1) and ordinal (code). */
  readonly numericNames: readonly string[];
  /** Features the model reads one-hot. */
  readonly categoricalNames: readonly string[];
  private readonly byName: ReadonlyMap<string, Feature>;

  private constructor(
    readonly spec: ContractFile,
    /** The file it came from (errors name it); the source path is resolved against its folder. */
    readonly file: string,
  ) {
    const fold = (text: string) => this.normaliseValue(text);
    const globalTokens = spec.missing_tokens;
    this.features = spec.features.map((f) => {
      const levels = f.levels?.map(fold);
      return {
        ...f,
        label: f.label ?? f.name,
        missingTokens: new Set(['', ...(f.missing_tokens ?? globalTokens)].map(fold)),
        ...(levels ? { levels: f.missing === 'category' && !levels.includes(MISSING_LEVEL) ? [...levels, MISSING_LEVEL] : levels } : {}),
        trueValues: new Set((f.true_values ?? DEFAULT_TRUE).map((v) => v.trim().toLowerCase())),
        falseValues: new Set((f.false_values ?? DEFAULT_FALSE).map((v) => v.trim().toLowerCase())),
      };
    });
    this.featureNames = this.features.map((f) => f.name);
    this.numericNames = this.features.filter((f) => f.kind !== 'categorical').map((f) => f.name);
    this.categoricalNames = this.features.filter((f) => f.kind === 'categorical').map((f) => f.name);
    this.byName = new Map(this.features.map((f) => [f.name, f]));
  }

  get name(): string {
    return this.spec.name;
  }

  /** The response field holding the churn chance, and the one naming the model run. */
  get response(): ContractFile['response'] {
    return this.spec.response;
  }

  feature(name: string): Feature | undefined {
    return this.byName.get(name);
  }

  /** The CSV the contract describes: an absolute path, or the s3:// URI as written. */
  get sourceLocation(): string {
    const { source } = this.spec;
    if (source.startsWith('s3://') || isAbsolute(source)) return source;
    return resolve(dirname(this.file), source);
  }

  /** A cell or request string as the contract compares it: trimmed and case-folded per `cleaning`. */
  normaliseValue(text: string): string {
    const trimmed = this.spec.cleaning.trim ? text.trim() : text;
    return this.spec.cleaning.lowercase_values ? trimmed.toLowerCase() : trimmed;
  }

  /** A CSV header as the contract names it: trimmed, case-folded, renamed. */
  normaliseColumn(header: string): string {
    let name = header.trim();
    if (this.spec.cleaning.lowercase_names) name = name.toLowerCase();
    for (const [from, to] of Object.entries(this.spec.cleaning.rename)) {
      const key = this.spec.cleaning.lowercase_names ? from.trim().toLowerCase() : from.trim();
      if (key === name) return to;
    }
    return name;
  }

  /** The contract as YAML, for the model directory (the model carries the contract it was trained with). */
  toYaml(): string {
    return stringify(this.spec, { lineWidth: 0 });
  }

  /** Parses and validates contract text; `file` is used for errors and to resolve the source. */
  static parse(text: string, file: string): DatasetContract {
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
    const yamlError = doc.errors[0];
    if (yamlError) {
      const line = counter.linePos(yamlError.pos[0]).line;
      throw new ContractError(file, '', line, `not valid YAML: ${yamlError.message.split('\n')[0]}`);
    }
    const parsed = contractFileSchema.safeParse(doc.toJS());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path ?? [];
      throw new ContractError(file, path.join('.'), lineOf(doc, counter, path), issue?.message ?? 'invalid');
    }
    return new DatasetContract(parsed.data, file);
  }

  static load(file: string): DatasetContract {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ContractError(file, '', undefined, `cannot read the contract: ${(error as Error).message}`);
    }
    return DatasetContract.parse(text, file);
  }

  /**
   * `DATASET` as users write it: a shipped contract's name (datasets/<name>.yaml) or a path to a YAML
   * file, relative to `cwd` (npm's INIT_CWD by default: `npm run -w` moves into the workspace).
   */
  static resolve(dataset: string = DEFAULT_DATASET, cwd = process.env.INIT_CWD ?? process.cwd()): DatasetContract {
    const isPath = /[/\\]/.test(dataset) || /\.ya?ml$/.test(dataset);
    return DatasetContract.load(isPath ? resolve(cwd, dataset) : resolve(DATASETS_DIR, `${dataset}.yaml`));
  }
}

let bankChurners: DatasetContract | undefined;
/** The shipped default contract (also what a model directory without a contract was trained with). */
export function defaultContract(): DatasetContract {
  bankChurners ??= DatasetContract.resolve(DEFAULT_DATASET);
  return bankChurners;
}
