import type { Db } from './db.js';
import { ExperimentStore } from './experiments-store.js';
import { LoggedModelStore } from './logged-models-store.js';
import { ModelVersionStore } from './model-versions-store.js';
import { RegisteredModelStore } from './registered-models-store.js';
import { RunStore } from './runs-store.js';

/** The public methods of a store class as a plain interface, so tests can pass fakes. */
type Interface<T> = { [K in keyof T]: T[K] };

/** The store interface the handlers call, one part per resource. */
export interface Stores {
  experiments: Interface<ExperimentStore>;
  runs: Interface<RunStore>;
  loggedModels: Interface<LoggedModelStore>;
  registeredModels: Interface<RegisteredModelStore>;
  modelVersions: Interface<ModelVersionStore>;
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
