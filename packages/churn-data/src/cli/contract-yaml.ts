import { Document, isCollection, isScalar } from 'yaml';
import type { InferredContract } from '../infer.js';

const asComment = (lines: readonly string[]) => lines.map((line) => ` ${line}`).join('\n');

/**
 * The inferred contract as YAML for people to review: the editor's schema line first, infer's rules
 * as a header, each decision as a comment beside what it decided, short lists on one line.
 */
export function contractYaml(inferred: InferredContract, schemaPath: string): string {
  const doc = new Document(inferred.contract);
  doc.commentBefore = asComment([`yaml-language-server: $schema=${schemaPath}`, ...inferred.header]);
  const flowLists = [['target', 'positive'], ['target', 'negative'], ['missing_tokens'], ...inferred.contract.features.map((_, i) => ['features', i, 'levels'])];
  for (const path of flowLists) {
    const node = doc.getIn(path, true);
    if (isCollection(node)) node.flow = true;
  }
  for (const { path, text } of inferred.notes) {
    const node = doc.getIn(path, true);
    // Before a block mapping or list it reads as a heading; after a scalar or a one-line list it stays on its line.
    if (isCollection(node) && !node.flow) node.commentBefore = asComment([text]);
    else if (isCollection(node) || isScalar(node)) node.comment = asComment([text]);
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
