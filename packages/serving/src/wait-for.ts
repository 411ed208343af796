/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. For the serving tests. */
export async function waitFor(check: () => Promise<boolean> | boolean, options: { timeoutMs?: number; what?: string; intervalMs?: number } = {}): Promise<void> {
  const { timeoutMs = 5_000, what = 'the condition', intervalMs = 20 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
