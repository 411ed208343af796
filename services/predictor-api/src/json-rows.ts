/** A body that is not the JSON it should be; `field` names where. */
export class JsonShapeError extends Error {
  override readonly name = 'JsonShapeError';
  constructor(
    message: string,
    readonly field = '(body)',
    readonly tooLarge = false,
  ) {
    super(message);
  }
}

/** A row of a rows array, or a whole value outside one (dataframe_split.columns, params, columnar inputs). */
export type JsonEvent = { kind: 'row'; key: string; value: unknown } | { kind: 'value'; path: string[]; value: unknown };

/** Arrays of rows, read one element at a time: MLflow's record-oriented inputs. */
const ROW_KEYS = new Set(['dataframe_records', 'instances', 'inputs']);

type Role = 'top' | 'split' | 'rows';
interface Frame {
  array: boolean;
  role: Role;
  /** object: 'key' (or 'first', where '}' may close it), 'colon', 'value', 'comma'; array: 'first', 'value', 'comma'. */
  state: 'first' | 'key' | 'colon' | 'value' | 'comma';
  key?: string;
  rowKey?: string;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * An incremental reader of MLflow's JSON scoring bodies (`{"dataframe_split": {"columns": [...], "data":
 * [...]}}`, `{"dataframe_records": [...]}`, `{"instances"|"inputs": [...]}`): it follows the structure
 * as text arrives and hands out each row as soon as it is complete, parsed with JSON.parse, so a body
 * of any size is never held whole. Other values (columns, params, columnar inputs) come out whole.
 * Any value larger than `maxValueChars` (one row, or the columns) is refused.
 */
export class JsonRowScanner {
  private readonly frames: Frame[] = [];
  private done = false;
  /** The value being read: its text so far and where it started in the current piece. */
  private capture: { parts: string[]; chars: number; start: number; depth: number; inString: boolean; escape: boolean; path: string[]; rowKey?: string; key: boolean } | undefined;
  private events: JsonEvent[] = [];

  constructor(private readonly maxValueChars: number) {}

  /** Events completed by this piece of text. */
  push(text: string): JsonEvent[] {
    this.events = [];
    let i = 0;
    while (i < text.length) {
      if (this.capture) i = this.readCapture(text, i);
      else i = this.readStructure(text, i);
    }
    const capture = this.capture;
    if (capture) {
      capture.parts.push(text.slice(capture.start));
      capture.chars += text.length - capture.start;
      capture.start = 0;
      if (capture.chars > this.maxValueChars) this.tooLarge(capture.rowKey ? `${capture.rowKey}: a row` : capture.path.join('.') || 'a value');
    }
    return this.events;
  }

  /** Checks the body ended where a JSON document may end. */
  end(): void {
    if (!this.done) throw new JsonShapeError(this.frames.length === 0 && !this.capture ? 'empty body: expected a JSON object' : 'malformed JSON body: it ends before the document does');
  }

  private tooLarge(what: string): never {
    throw new JsonShapeError(`${what} is larger than PREDICTOR_API_BODY_LIMIT; send rows (dataframe_split, dataframe_records) rather than one large value`, '(body)', true);
  }

  private fail(at: string): never {
    throw new JsonShapeError(`malformed JSON body: unexpected ${at}`);
  }

  /** Structure outside any captured value: one character at a time. */
  private readStructure(text: string, i: number): number {
    const c = text.charCodeAt(i);
    if (isSpace(c)) return i + 1;
    const frame = this.frames[this.frames.length - 1];
    const ch = text[i] as string;
    if (!frame) {
      if (this.done) this.fail(`'${ch}' after the end of the document`);
      if (ch !== '{') throw new JsonShapeError('expected a JSON object with one of dataframe_split, dataframe_records, instances, inputs');
      this.frames.push({ array: false, role: 'top', state: 'first' });
      return i + 1;
    }
    if (!frame.array && (frame.state === 'key' || frame.state === 'first')) {
      if (ch === '}' && frame.state === 'first') return this.close(i);
      if (ch !== '"') this.fail(`'${ch}' where a key should be`);
      this.capture = { parts: [], chars: 0, start: i, depth: 0, inString: false, escape: false, path: [], key: true };
      return i;
    }
    if (frame.state === 'colon') {
      if (ch !== ':') this.fail(`'${ch}' after a key`);
      frame.state = 'value';
      return i + 1;
    }
    if (frame.state === 'comma') {
      if (ch === ',') {
        frame.state = frame.array ? 'value' : 'key';
        return i + 1;
      }
      if (ch === (frame.array ? ']' : '}')) return this.close(i);
      this.fail(`'${ch}' between values`);
    }
    // A value starts: a rows array or the split object is followed, anything else captured.
    if (frame.array && frame.state === 'first' && ch === ']') return this.close(i);
    if (frame.role === 'top' && ROW_KEYS.has(frame.key ?? '') && ch === '[') return this.open(i, { array: true, role: 'rows', state: 'first', rowKey: frame.key as string });
    if (frame.role === 'top' && frame.key === 'dataframe_split' && ch === '{') return this.open(i, { array: false, role: 'split', state: 'first' });
    if (frame.role === 'split' && frame.key === 'data' && ch === '[') return this.open(i, { array: true, role: 'rows', state: 'first', rowKey: 'dataframe_split.data' });
    const path = frame.role === 'split' ? ['dataframe_split', frame.key ?? ''] : frame.role === 'top' ? [frame.key ?? ''] : [];
    this.capture = { parts: [], chars: 0, start: i, depth: 0, inString: false, escape: false, path, key: false, ...(frame.rowKey ? { rowKey: frame.rowKey } : {}) };
    return i;
  }

  private open(i: number, frame: Frame): number {
    this.frames.push(frame);
    return i + 1;
  }

  private close(i: number): number {
    this.frames.pop();
    const parent = this.frames[this.frames.length - 1];
    if (parent) parent.state = 'comma';
    else this.done = true;
    return i + 1;
  }

  /** Inside a captured value: strings and nesting are followed until the value ends. */
  private readCapture(text: string, from: number): number {
    const capture = this.capture as NonNullable<typeof this.capture>;
    let i = from;
    // The opening quote of a key or string scalar.
    if (i === capture.start && capture.parts.length === 0 && text[i] === '"') {
      capture.inString = true;
      i += 1;
    }
    for (; i < text.length; i += 1) {
      const c = text.charCodeAt(i);
      if (capture.inString) {
        if (capture.escape) capture.escape = false;
        else if (c === 0x5c) capture.escape = true;
        else if (c === 0x22) {
          capture.inString = false;
          if (capture.key) return this.finish(text, i + 1);
        }
        continue;
      }
      if (c === 0x22) capture.inString = true;
      else if (c === 0x7b || c === 0x5b) capture.depth += 1;
      else if (c === 0x7d || c === 0x5d) {
        if (capture.depth === 0) return this.finish(text, i);
        capture.depth -= 1;
        // A container value ends with its own closing bracket.
        if (capture.depth === 0) return this.finish(text, i + 1);
      } else if (c === 0x2c && capture.depth === 0) return this.finish(text, i);
    }
    return i;
  }

  /** The captured value ends before `end`: parsed, handed out, and its frame moves on. */
  private finish(text: string, end: number): number {
    const capture = this.capture as NonNullable<typeof this.capture>;
    this.capture = undefined;
    capture.parts.push(text.slice(capture.start, end));
    const raw = capture.parts.join('');
    if (raw.length > this.maxValueChars) this.tooLarge(capture.rowKey ? `${capture.rowKey}: a row` : capture.path.join('.') || 'a key');
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      this.fail(`text in ${capture.rowKey ?? (capture.path.join('.') || 'a key')}`);
    }
    const frame = this.frames[this.frames.length - 1] as Frame;
    if (capture.key) {
      frame.key = value as string;
      frame.state = 'colon';
    } else {
      frame.state = 'comma';
      this.events.push(capture.rowKey ? { kind: 'row', key: capture.rowKey, value } : { kind: 'value', path: capture.path, value });
    }
    return end;
  }
}
