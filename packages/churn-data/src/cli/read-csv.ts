import { readFileSync } from 'node:fs';
import { parseCsvWithLines } from '../csv.js';
import { CsvError } from '../csv-rows.js';
import { CliError } from './io.js';

/** Reads and parses a CSV; `shown` is how errors name the file (the path as the user typed it). */
export function readCsv(path: string, shown: string): ReturnType<typeof parseCsvWithLines> {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (error) {
    throw new CliError(`${shown}: cannot read the CSV: ${(error as Error).message}`);
  }
  try {
    return parseCsvWithLines(text);
  } catch (error) {
    if (error instanceof CsvError) throw new CliError(`${shown}:${error.lines}: not valid CSV: ${error.message}`);
    throw error;
  }
}
