import type { Route } from '../http/route-table.js';
import { artifactRoutes } from './artifacts.js';
import { experimentRoutes } from './experiments.js';
import { loggedModelRoutes } from './logged-models.js';
import { metaRoutes } from './meta.js';
import { modelVersionRoutes } from './model-versions.js';
import { registeredModelRoutes } from './registered-models.js';
import { runRoutes } from './runs.js';

/** The whole REST surface, served under every API prefix. */
export const ROUTES: readonly Route[] = [
  ...metaRoutes,
  ...experimentRoutes,
  ...runRoutes,
  ...artifactRoutes,
  ...loggedModelRoutes,
  ...registeredModelRoutes,
  ...modelVersionRoutes,
];
