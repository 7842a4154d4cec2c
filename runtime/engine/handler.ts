/** The shape of one command's handler in `decide` (see decide.ts `HANDLERS`). */
import type { EngineErrorShape } from '../flow/types.js';
import type { Session } from './session.js';
import type { Command, CommandName } from './types.js';

export type Outcome = { ok: true } | { ok: false; error: EngineErrorShape };
export const OK: Outcome = { ok: true };
export const refuse = (error: EngineErrorShape): Outcome => ({ ok: false, error });

export type CommandOf<N extends CommandName> = Extract<Command, { command: N }>;

export interface Handler<N extends CommandName> {
  /** May the actor issue this command now (payload aside)? Gives the reason when not. */
  check(session: Session): Outcome;
  run(session: Session, command: CommandOf<N>): Outcome;
  /** A more precise reason than `check` can give without the command's payload. */
  explain?(session: Session, command: CommandOf<N>): EngineErrorShape | undefined;
}
