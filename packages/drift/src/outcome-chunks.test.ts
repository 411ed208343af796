import { Binary, BSON } from 'mongodb';
import { OUTCOME_CHUNK_ROWS, outcomeChunks, storedOutcomes, type KeyedOutcome } from './outcome-chunks.js';

const at = (ms: number) => new Date(Date.UTC(2026, 11, 5) + ms);
// Through BSON, as FerretDB hands the documents back.
const roundTrip = (document: object) => BSON.deserialize(BSON.serialize(document));

describe('outcome chunks', () => {
  it('given more outcomes than a chunk holds, when chunked and read back through BSON, then every outcome comes back in order with its label and time', () => {
    const outcomes: KeyedOutcome[] = Array.from({ length: OUTCOME_CHUNK_ROWS + 3 }, (_, i) => ({ key: `r:${i}`, churned: i % 3 === 0 ? 1 : 0, observed_at: at(i * 1_001) }));
    const chunks = outcomeChunks(outcomes, at(-1));
    expect(chunks.map((c) => c['rows'])).toEqual([OUTCOME_CHUNK_ROWS, 3]);
    expect(chunks[0]?.['churned']).toBeInstanceOf(Binary);
    expect(chunks.flatMap((c) => storedOutcomes(roundTrip(c)).outcomes)).toEqual(outcomes);
  });

  it('given a document stored before the chunks (one outcome keyed by its _id), when read, then it is that outcome', () => {
    const legacy = { _id: 'r:r1|c:7', request_id: 'r1', customer_id: '7', churned: 1, observed_at: at(5), received_at: at(6) };
    expect(storedOutcomes(roundTrip(legacy))).toEqual({ outcomes: [{ key: 'r:r1|c:7', churned: 1, observed_at: at(5) }], unreadable: 0 });
  });

  it('given documents of the wrong shape, when read, then the rows that cannot be read are left out and the rest kept', () => {
    const [chunk] = outcomeChunks(
      [
        { key: 'a', churned: 1, observed_at: at(1) },
        { key: 'b', churned: 0, observed_at: at(2) },
      ],
      at(0),
    );
    expect(storedOutcomes({ ...chunk, key: ['a', 42] })).toEqual({ outcomes: [{ key: 'a', churned: 1, observed_at: at(1) }], unreadable: 1 });
    expect(storedOutcomes({ ...chunk, key: ['a'] })).toEqual({ outcomes: [{ key: 'a', churned: 1, observed_at: at(1) }], unreadable: 1 });
    expect(storedOutcomes({ ...chunk, churned: 'yes' })).toEqual({ outcomes: [], unreadable: 2 });
    // A corrupt row count is not looped over.
    expect(storedOutcomes({ ...chunk, rows: 1e9 })).toEqual({ outcomes: [], unreadable: OUTCOME_CHUNK_ROWS });
    expect(storedOutcomes({ _id: 'r:x', churned: 2, observed_at: at(1) })).toEqual({ outcomes: [], unreadable: 1 });
    expect(storedOutcomes({ _id: 'r:x', churned: 1 })).toEqual({ outcomes: [], unreadable: 1 });
  });
});
