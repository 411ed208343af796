import { h } from './dom.js';
import { splitColumn } from './run-columns.js';

const LABELS = { metric: 'Metrics', param: 'Parameters', tag: 'Tags' };

/** A disclosure of checkboxes, one per metric, parameter and tag; onchange gets the new column list. */
export function columnChooser(available, chosen, onchange) {
  const selected = new Set(chosen);
  const group = (kind) =>
    available[kind].length
      ? h(
          'fieldset',
          { class: 'chooser-group' },
          h('legend', {}, LABELS[kind]),
          available[kind].map((id) =>
            h(
              'label',
              { class: 'chooser-item' },
              h('input', {
                type: 'checkbox',
                checked: selected.has(id),
                dataset: { testid: 'column-option', column: id },
                onchange: (event) => {
                  if (event.target.checked) selected.add(id);
                  else selected.delete(id);
                  // Metrics stay first, in the order they were chosen.
                  const order = [...selected].sort((a, b) => Number(splitColumn(a).kind !== 'metric') - Number(splitColumn(b).kind !== 'metric'));
                  onchange(order);
                },
              }),
              ` ${splitColumn(id).key}`,
            ),
          ),
        )
      : null;
  return h('details', { class: 'chooser', dataset: { testid: 'column-chooser' } }, h('summary', {}, `Columns (${selected.size})`), h('div', { class: 'chooser-groups' }, group('metric'), group('param'), group('tag')));
}
