import { readFileSync, writeFileSync } from 'node:fs';
import proto from '@temporalio/proto';

// Histories are stored as protobuf object JSON through @temporalio/proto's own codec. The SDK's
// historyToJSON/historyFromJSON use a second protobufjs copy here (npm nests mismatched versions)
// and fail with "type must be a Type".

type IHistory = proto.temporal.api.history.v1.IHistory;
type History = proto.temporal.api.history.v1.History;
const { History } = proto.temporal.api.history.v1;

export function writeHistory(path: string, history: IHistory): void {
  const json = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String, defaults: false });
  writeFileSync(path, `${JSON.stringify(json, null, 1)}\n`);
}

export function readHistory(path: string): History {
  return History.fromObject(JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>);
}
