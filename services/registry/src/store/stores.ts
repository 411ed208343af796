import type { Db } from './db.js';
import { ExperimentStore } from './experiments-store.js';
import { LoggedModelStore } from './logged-models-store.js';
import { ModelVersionStore } from './model-versions-store.js';
import { RegisteredModelStore } from './registered-models-store.js';
import { RunStore } from './runs-store.js';

/** The store interface the handlers call, one part per resource. */
export interface Stores {
  experiments: ExperimentStore;
  runs: RunStore;
  loggedModels: LoggedModelStore;
  registeredModels: RegisteredModelStore;
  modelVersions: ModelVersionStore;
}

export function createPgStores(db: Db): Stores {
  return {
    experiments: new ExperimentStore(db),
    runs: new RunStore(db),
    loggedModels: new LoggedModelStore(db),
    registeredModels: new RegisteredModelStore(db),
    modelVersions: new ModelVersionStore(db),
  };
}
