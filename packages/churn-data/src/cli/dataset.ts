import { runDataset } from './run.js';

// `npm run dataset -- infer|check|schema ...`. npm runs the script in the workspace folder;
// INIT_CWD is where the user typed it, so their relative paths resolve from there.
process.exitCode = runDataset(process.argv.slice(2), {
  cwd: process.env.INIT_CWD ?? process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
