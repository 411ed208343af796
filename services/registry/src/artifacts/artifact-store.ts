import type { Readable } from 'node:stream';

export interface ArtifactEntry {
  /** Name relative to the listed folder. */
  name: string;
  isDir: boolean;
  size?: number;
}

/** Artifact bytes by key (a relative path); S3 in production, anything key-addressed in tests. */
export interface ArtifactStore {
  put(key: string, body: Readable | Buffer, contentType?: string): Promise<void>;
  /** undefined when there is no such object. */
  get(key: string): Promise<{ body: Readable; size?: number | undefined; contentType?: string | undefined } | undefined>;
  /** Immediate children of the folder `prefix` (no trailing slash; '' is the root). */
  list(prefix: string): Promise<ArtifactEntry[]>;
  /** Deletes the object at `key` and everything under `key/`. Returns how many were deleted. */
  delete(key: string): Promise<number>;
  close?(): void;
}
