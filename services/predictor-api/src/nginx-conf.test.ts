import { readFileSync } from 'node:fs';
import type { ZodError } from 'zod';
import { COMPOSE_PREDICTOR_LB, renderPredictorNginxConf, renderPredictorUpstream } from './nginx-conf.js';

describe('nginx config of N predictor replicas', () => {
  it('when 3 replicas start at 9711, then the upstream lists 9711-9713 with the passive check and /predict retries on connect errors, timeouts and 503', () => {
    const conf = renderPredictorUpstream({ listenPort: 9696, firstPort: 9711, replicas: 3, maxFails: 2, failTimeoutSeconds: 7 });
    expect(conf.match(/^ {2}server .*$/gm)).toEqual([
      '  server 127.0.0.1:9711 max_fails=2 fail_timeout=7s;',
      '  server 127.0.0.1:9712 max_fails=2 fail_timeout=7s;',
      '  server 127.0.0.1:9713 max_fails=2 fail_timeout=7s;',
    ]);
    expect(conf).toContain('listen 127.0.0.1:9696;');
    const [streamed, rest] = conf.split('location / {');
    expect(rest).toContain('proxy_next_upstream error timeout http_503 non_idempotent;');
    // Streamed batches are not buffered, so they cannot be replayed: no non_idempotent retry there.
    expect(streamed).toMatch(/location ~ \^\/\(predict\/batch\|invocations\)\$ \{[^}]*proxy_request_buffering off;[^}]*proxy_next_upstream error timeout http_503;/);
  });

  it('when the whole nginx.conf is rendered, then it is one http block around the upstream with prefix-relative paths', () => {
    const conf = renderPredictorNginxConf({ listenPort: 7300, firstPort: 7301, replicas: 2 });
    expect(conf).toMatch(/^daemon off;/m);
    expect(conf).toMatch(/\nhttp \{\n[\s\S]*\n {2}upstream predictor_api \{[\s\S]*\n\}\n$/);
    expect(conf).not.toMatch(/\/(etc|var)\//);
  });

  it('when the replica ports overlap the listen port or run past 65535, then the error names the field', () => {
    const fieldOf = (input: Parameters<typeof renderPredictorUpstream>[0]) => {
      try {
        renderPredictorUpstream(input);
      } catch (error) {
        return (error as ZodError).issues.map((i) => i.path.join('.'));
      }
      return [];
    };
    expect(fieldOf({ listenPort: 9712, firstPort: 9711, replicas: 2 })).toEqual(['listenPort']);
    expect(fieldOf({ listenPort: 9696, firstPort: 65_535, replicas: 2 })).toEqual(['replicas']);
    expect(fieldOf({ listenPort: 9696, firstPort: 9711, replicas: 0 })).toEqual(['replicas']);
  });

  it('when compose runs predictor-api in replicas, then nginx/predictor-lb.conf is the rendering that resolves the service name again while running', () => {
    const committed = readFileSync(new URL('../../../nginx/predictor-lb.conf', import.meta.url), 'utf8');
    // Regenerate with: node --import tsx services/predictor-api/src/nginx-conf-cli.ts --compose --out nginx/predictor-lb.conf
    expect(committed).toBe(renderPredictorUpstream(COMPOSE_PREDICTOR_LB));
    expect(committed).toContain('server predictor-api:9696 resolve max_fails=1 fail_timeout=5s;');
    expect(committed).toMatch(/^resolver 127\.0\.0\.11 /m);
  });
});
