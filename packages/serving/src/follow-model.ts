import type { Logger } from '@churn/logger';
import { watchEnvFile } from './env-watch.js';
import type { ModelHolder } from './model-holder.js';
import { modelUriOf, NoModelSelectedError, readModelSelection, type ModelSelection } from './model-source.js';

export interface FollowModelOptions {
  envFile: string;
  holder: ModelHolder;
  /** Turns a model URI into the run id to serve (ModelSource.resolve). */
  resolve: (uri: string) => Promise<string>;
  logger?: Logger;
  /** The selection at start (config); later changes come from the env file. */
  initial?: ModelSelection;
  /** Retry delay while the first model cannot be loaded (registry still starting, RUN_ID empty). */
  retryMs?: number;
  pollMs?: number;
  /**
   * How often a selection that can move without the file changing (an alias or a `models:/` URI) is
   * resolved again, so a promotion in the registry reaches every replica; 0 or unset: never.
   */
  resolveEveryMs?: number;
}

/** A `runs:/` URI names one run for good; anything else (an alias, a registered model's version) is re-resolved. */
const canMove = (uri: string) => !uri.startsWith('runs:/');

/**
 * Keeps the holder on the model the env file names: loads it at start (retrying until it works), then
 * reloads whenever the file changes or on SIGHUP. This is how `make promote` reaches a running predictor.
 */
export function followModel(options: FollowModelOptions): { stop(): void; firstLoad: Promise<void> } {
  const { holder, logger } = options;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let resolveTimer: NodeJS.Timeout | undefined;

  const sync = async (selection: ModelSelection): Promise<void> => {
    const uri = modelUriOf(selection);
    if (!uri) throw new NoModelSelectedError(options.envFile);
    const runId = await options.resolve(uri);
    await holder.load(runId);
  };

  const firstLoad = new Promise<void>((resolve) => {
    const attempt = (selection: ModelSelection) => {
      if (stopped) return resolve();
      sync(selection).then(resolve, (error: unknown) => {
        logger?.warn({ err: error, retryMs: options.retryMs ?? 2_000 }, 'no model loaded yet; retrying');
        retryTimer = setTimeout(() => attempt(readModelSelection(options.envFile)), options.retryMs ?? 2_000);
      });
    };
    const initial = options.initial && modelUriOf(options.initial) ? options.initial : readModelSelection(options.envFile);
    attempt(initial);
  });

  const unwatch = watchEnvFile(
    options.envFile,
    (reason) => {
      if (!holder.ready) return;
      const selection = readModelSelection(options.envFile);
      logger?.info({ reason, selection }, 'model selection may have changed');
      sync(selection).catch((error: unknown) => logger?.error({ err: error }, 'model switch failed; still serving the previous model'));
    },
    options.pollMs,
  );

  // One look at a time: a slow registry must not pile up overlapping resolves.
  let resolving = false;
  if (options.resolveEveryMs && options.resolveEveryMs > 0) {
    resolveTimer = setInterval(() => {
      if (!holder.ready || resolving) return;
      const selection = readModelSelection(options.envFile);
      const uri = modelUriOf(selection);
      if (!uri || !canMove(uri)) return;
      resolving = true;
      sync(selection)
        .catch((error: unknown) => logger?.warn({ err: error, uri }, 'could not re-resolve the model URI; still serving the current model'))
        .finally(() => {
          resolving = false;
        });
    }, options.resolveEveryMs);
    resolveTimer.unref();
  }

  return {
    firstLoad,
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(resolveTimer);
      unwatch();
    },
  };
}
