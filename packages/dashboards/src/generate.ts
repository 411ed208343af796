// Writes grafana/dashboards/*.json from the TypeScript definitions: `npm run generate -w @churn/dashboards`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allDashboards, dashboardJson } from './dashboards.js';
import { DASHBOARDS_DIR } from './index.js';

mkdirSync(DASHBOARDS_DIR, { recursive: true });
for (const { file, dashboard } of allDashboards()) {
  writeFileSync(join(DASHBOARDS_DIR, file), dashboardJson(dashboard));
  console.log(`wrote ${join(DASHBOARDS_DIR, file)}`);
}
