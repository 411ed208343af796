import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readEnvFiles } from '@churn/config';
import type { Logger } from '@churn/logger';
import { MlflowError, type MlflowClient } from '@churn/mlflow-client';
import { loadAnyModelDir } from '@churn/model';
import type { ServableModel } from './model-holder.js';

/** Written last into a cached model folder: its presence means the download completed. */
export const COMPLETE_MARKER = '.complete';

/** The served-model variables of an env file (ARCHITECTURE: RUN_ID wins over MODEL_URI). */
export interface ModelSelection {
  RUN_ID?: string | undefined;
  MODEL_URI?: string | undefined;
}

/** The model URI a selection names, or undefined when neither variable is set. */
export function modelUriOf(selection: ModelSelection): string | undefined {
  const runId = selection.RUN_ID?.trim();
  if (runId) return `runs:/${runId}/model`;
  const uri = selection.MODEL_URI?.trim();
  return uri || undefined;
}

/** Reads RUN_ID and MODEL_URI from the env file as it is now (the process environment does not count: promotion edits the file). */
export function readModelSelection(envFile: string): ModelSelection {
  const values = readEnvFiles([envFile]);
  return { RUN_ID: values.RUN_ID, MODEL_URI: values.MODEL_URI };
}

/** Thrown when the env file names no model; the service stays unready until it does. */
export class NoModelSelectedError extends Error {
  override readonly name = 'NoModelSelectedError';
  constructor(envFile: string) {
    super(`neither RUN_ID nor MODEL_URI is set in ${envFile}`);
  }
}

export interface ModelSourceOptions {
  client: MlflowClient;
  /** One sub-folder per run id. */
  cacheDir: string;
  engine?: Parameters<typeof loadAnyModelDir>[1];
  /** DRIFT_REFERENCE_CSV: the drift reference of a model Python logged without one. */
  referenceCsv?: string | undefined;
  logger?: Logger;
}

interface Location {
  runId: string;
  artifactPath: string;
  artifactUri?: string | undefined;
}

/**
 * Resolves model URIs to run ids and loads runs from the registry through the artifact proxy, keeping
 * each downloaded model folder on disk so a restart or a switch back needs no download.
 */
export class ModelSource {
  private readonly locations = new Map<string, Location>();

  constructor(private readonly options: ModelSourceOptions) {}

  /** The run id a URI points to now (an alias may move between calls). */
  async resolve(uri: string): Promise<string> {
    const resolved = await this.options.client.resolveModelUri(uri);
    const key = resolved.runId || cacheKeyOf(resolved.artifactUri ?? uri);
    this.locations.set(key, { runId: resolved.runId, artifactPath: resolved.artifactPath, artifactUri: resolved.artifactUri });
    return key;
  }

  /** The local folder of a run's model, downloaded first unless a complete copy is cached. */
  async fetch(runId: string): Promise<string> {
    const dir = join(this.options.cacheDir, runId);
    if (existsSync(join(dir, COMPLETE_MARKER))) return dir;
    const location = this.locations.get(runId) ?? { runId, artifactPath: 'model' };
    const partial = `${dir}.partial-${process.pid}-${randomUUID()}`;
    await mkdir(partial, { recursive: true });
    const started = Date.now();
    try {
      const { client } = this.options;
      try {
        if (location.artifactUri) await client.downloadUri(location.artifactUri, partial);
        else await client.downloadDir(location.runId, location.artifactPath, partial);
      } catch (error) {
        // MLflow 3's log_model keeps the model in a logged model of the run, not under the run's artifacts.
        const empty = error instanceof MlflowError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST';
        const logged = empty && location.runId && /^[^/]+$/.test(location.artifactPath) ? await client.loggedModelOfRun(location.runId, location.artifactPath) : undefined;
        if (!logged) throw error;
        await client.downloadUri(logged, partial);
      }
      await writeFile(join(partial, COMPLETE_MARKER), new Date().toISOString());
      // Another process sharing the cache (the other predictor) may have finished first: its copy
      // may be loading right now, so it is kept and ours dropped. Only a half-built folder is replaced.
      if (existsSync(join(dir, COMPLETE_MARKER))) {
        await rm(partial, { recursive: true, force: true });
        return dir;
      }
      await rm(dir, { recursive: true, force: true });
      try {
        await rename(partial, dir);
      } catch (error) {
        if (!existsSync(join(dir, COMPLETE_MARKER))) throw error;
        await rm(partial, { recursive: true, force: true });
      }
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    }
    this.options.logger?.info({ runId, dir, ms: Date.now() - started }, 'model downloaded');
    return dir;
  }

  /** The loader a ModelHolder takes: our model directories and XGBoost models Python logged; other flavors are refused. */
  load = async (runId: string): Promise<ServableModel> => loadAnyModelDir(await this.fetch(runId), this.options.engine, { referenceCsv: this.options.referenceCsv });
}

function cacheKeyOf(uri: string): string {
  return uri.replace(/[^\w.-]+/g, '_').slice(-128);
}
