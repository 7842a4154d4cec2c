/** Assignment strategies as pure functions over the team state the caller passes. */
export {
  assign,
  holdsSkills,
  isAtCapacity,
  isAway,
  type AssignmentDecision,
  type AssignmentRequest,
  type SkipReason,
  type TeamMember,
  type TeamState,
} from './assign.js';
export { assignmentMessages, type AssignmentMessageCode } from './assignment-messages.js';
