/** The ticket engine: one entry point, `decide`, and what an actor may do now, `allowedCommands`. See runtime/flow/README.md. */
export { allowedCommands, decide, isOpened } from './decide.js';
export { linksOf } from './links.js';
export { ticketRuleContext } from './rule-context.js';
export { resolveStatus } from './statuses.js';
export { STATE_VERSION, COMMAND_NAMES } from './types.js';
export type * from './types.js';
