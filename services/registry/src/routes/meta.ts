import { z } from 'zod';
import { route } from '../http/route-table.js';

// MLflow 3 clients ask what the server supports before using newer features; everything optional
// (workspaces, trace archival, multipart or presigned artifact transfers, the AI gateway) is off.
export const SERVER_INFO = {
  store_type: 'SqlStore',
  workspaces_enabled: false,
  trace_archival_enabled: false,
  multipart_uploads_enabled: false,
  multipart_downloads_enabled: false,
  presigned_upload_run_id_supported: false,
  presigned_upload_model_id_supported: false,
  features_enabled: { gateway: false },
};

export const metaRoutes = [route('GET', '/server-info', z.object({}), async () => SERVER_INFO)];
