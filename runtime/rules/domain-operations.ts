import jsonLogic from 'json-logic-js';
import {
  dateAddOperation,
  dateDiffOperation,
  inBusinessHoursOperation,
  nowOperation,
} from './operations/date.operation.js';
import { keywordsOperation } from './operations/keywords.operation.js';
import { safeVarOperation } from './operations/safe-var.operation.js';

export interface DomainOperation {
  minArgs: number;
  maxArgs: number;
  implementation: (this: unknown, ...args: never[]) => unknown;
}

/**
 * Prepared rules read data through this operation instead of json-logic's own `var`; the name is not on the
 * allow-list, so an analyst cannot call it directly.
 */
export const SAFE_VAR_OPERATION = 'ordo_safe_var';

/** Operations Ordo adds to json-logic, with how many arguments each takes. */
export const domainOperations: Readonly<Record<string, DomainOperation>> = {
  keywords: { minArgs: 2, maxArgs: 2, implementation: keywordsOperation },
  now: { minArgs: 0, maxArgs: 0, implementation: nowOperation },
  dateAdd: { minArgs: 3, maxArgs: 3, implementation: dateAddOperation },
  dateDiff: { minArgs: 3, maxArgs: 3, implementation: dateDiffOperation },
  inBusinessHours: { minArgs: 0, maxArgs: 1, implementation: inBusinessHoursOperation },
};

// json-logic keeps one global table of operations; registering at module load means exactly once per process.
jsonLogic.add_operation(SAFE_VAR_OPERATION, safeVarOperation);
for (const [name, operation] of Object.entries(domainOperations)) {
  jsonLogic.add_operation(name, operation.implementation as (...args: unknown[]) => unknown);
}
