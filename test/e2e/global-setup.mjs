// Jest loads global setup outside its ESM transform, so the TypeScript setup goes through tsx.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { setup } = await tsImport('./flow-setup.ts', import.meta.url);
  await setup();
}
