import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultContract } from '@churn/churn-data';
import { followModel } from './follow-model.js';
import { ModelHolder } from './model-holder.js';
import { waitFor } from './wait-for.js';

const fakeModel = () => ({ contract: defaultContract(), predict: () => new Float64Array(0), dispose: () => undefined });


/**
 * A follower of a fresh env file holding `text`, with a resolver that answers a runs:/ URI's run and
 * `alias.target` for any alias, and records every URI it was asked.
 */
async function follow(text: string, alias: { target: string }, options: Partial<Parameters<typeof followModel>[0]>) {
  const dir = await mkdtemp(join(tmpdir(), 'follow-'));
  const envFile = join(dir, '.env');
  await writeFile(envFile, text);
  const holder = new ModelHolder(async () => fakeModel());
  const resolved: string[] = [];
  const follower = followModel({
    envFile,
    holder,
    resolve: async (uri) => {
      resolved.push(uri);
      return uri.startsWith('runs:/') ? (uri.split('/')[1] as string) : alias.target;
    },
    ...options,
  });
  return { envFile, holder, resolved, follower };
}

describe('followModel', () => {
  it('when RUN_ID is empty at start, then it retries until the env file names a run, then follows rewrites and SIGHUP', async () => {
    const alias = { target: 'run-alias-1' };
    const { envFile, holder, resolved, follower } = await follow('RUN_ID=\nMODEL_URI=\n', alias, { retryMs: 50, pollMs: 20 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(holder.ready).toBe(false);
      await writeFile(envFile, 'RUN_ID=run-a\nMODEL_URI=\n');
      await follower.firstLoad;
      expect(holder.runId).toBe('run-a');

      await writeFile(envFile, 'RUN_ID=run-b\nMODEL_URI=\n# promoted\n');
      await waitFor(() => holder.runId === 'run-b');

      await writeFile(envFile, 'RUN_ID=\nMODEL_URI=models:/churn-model@champion\n');
      await waitFor(() => holder.runId === 'run-alias-1');

      // The alias moves in the registry; the file does not change: SIGHUP makes it look again.
      alias.target = 'run-alias-2';
      process.emit('SIGHUP', 'SIGHUP');
      await waitFor(() => holder.runId === 'run-alias-2');
      expect(resolved).toContain('models:/churn-model@champion');
    } finally {
      follower.stop();
    }
  });

  it('when MODEL_URI names an alias and the alias moves in the registry, then the holder follows it without a file change; a runs:/ URI is not looked up again', async () => {
    const alias = { target: 'run-1' };
    const { envFile, holder, resolved, follower } = await follow('RUN_ID=\nMODEL_URI=models:/churn-model@champion\n', alias, { pollMs: 20, resolveEveryMs: 30 });
    try {
      await follower.firstLoad;
      expect(holder.runId).toBe('run-1');
      alias.target = 'run-2';
      await waitFor(() => holder.runId === 'run-2');

      await writeFile(envFile, 'RUN_ID=run-pinned\nMODEL_URI=models:/churn-model@champion\n');
      await waitFor(() => holder.runId === 'run-pinned');
      const looks = resolved.length;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(resolved.length).toBe(looks);
    } finally {
      follower.stop();
    }
  });
});
