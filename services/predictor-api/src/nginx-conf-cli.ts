import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { COMPOSE_PREDICTOR_LB, renderPredictorNginxConf, renderPredictorUpstream } from './nginx-conf.js';

// Writes the nginx.conf of `make serve-api replicas=N` (scripts/serve-api.sh), or with --compose
// compose's nginx/predictor-lb.conf; the schema names a bad value.
const { values } = parseArgs({
  options: {
    replicas: { type: 'string' },
    listen: { type: 'string' },
    'first-port': { type: 'string' },
    compose: { type: 'boolean' },
    out: { type: 'string' },
  },
});
if (!values.out) throw new Error('--out is required');
const num = (name: string, value: string | undefined) => {
  if (value === undefined || !/^\d+$/.test(value)) throw new Error(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
};
writeFileSync(
  values.out,
  values.compose
    ? renderPredictorUpstream(COMPOSE_PREDICTOR_LB)
    : renderPredictorNginxConf({ replicas: num('replicas', values.replicas), listenPort: num('listen', values.listen), firstPort: num('first-port', values['first-port']) }),
);
