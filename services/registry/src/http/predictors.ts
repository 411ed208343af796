import type { Express } from 'express';

export interface PredictorStatus {
  url: string;
  ok: boolean;
  status?: number;
  model_run_id?: string;
  error?: string;
}

// A predictor that does not answer in this time is reported down rather than holding the page.
const PROBE_TIMEOUT_MS = 1500;

async function probe(url: string): Promise<PredictorStatus> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    const body = (await response.json().catch(() => ({}))) as { model_run_id?: unknown };
    return { url, ok: response.ok, status: response.status, ...(typeof body.model_run_id === 'string' ? { model_run_id: body.model_run_id } : {}) };
  } catch (error) {
    return { url, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * GET /registry-ui/predictors: each configured predictor's /health, probed by the server because the
 * browser may not reach the predictors' ports (and they send no CORS headers).
 */
export function mountPredictorStatus(app: Express, urls: readonly string[]): void {
  app.get('/registry-ui/predictors', async (_req, res) => {
    res.json({ predictors: await Promise.all(urls.map(probe)) });
  });
}
