import { z } from 'zod';
import { route } from '../http/route-table.js';

// MLflow 3 clients ask the server what it is before using newer endpoints.
export const metaRoutes = [route('GET', '/server-info', z.object({}), async () => ({ store_type: 'SqlStore', workspaces_enabled: false }))];
