import type { Logger } from 'pino';

/**
 * Closes a running service on SIGTERM or SIGINT (drain in-flight work, flush logs) and exits 0, or
 * 1 when closing fails or takes longer than `graceMs`, so an orchestrator never waits forever. More
 * signals while closing are ignored (the grace timer already bounds the wait).
 */
export function closeOnSignals(service: { close(): Promise<void> }, logger: Logger, graceMs: number): void {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
