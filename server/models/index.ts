import type { Connection } from 'mongoose';
import { apiKeyModel, type ApiKeyModel } from './api-key.model.js';
import { sessionModel, type SessionModel } from './session.model.js';
import { teamModel, type TeamModel } from './team.model.js';
import { userModel, type UserModel } from './user.model.js';

export interface PeopleModels {
  User: UserModel;
  Session: SessionModel;
  Team: TeamModel;
  ApiKey: ApiKeyModel;
}

/** The people and access models bound to one app's connection. */
export function peopleModels(db: Connection): PeopleModels {
  return { User: userModel(db), Session: sessionModel(db), Team: teamModel(db), ApiKey: apiKeyModel(db) };
}

/**
 * Create the declared indexes explicitly at start (autoIndex is off): unique indexes are commit points, so they
 * must exist before the first write that relies on them. Creating an existing index is a no-op.
 */
export async function createIndexes(
  models: Record<string, { createIndexes(): Promise<unknown> }>,
): Promise<void> {
  for (const model of Object.values(models)) await model.createIndexes();
}

export type { ApiKeyRecord } from './api-key.model.js';
export type { SessionRecord } from './session.model.js';
export type { TeamMemberRecord, TeamRecord } from './team.model.js';
export type { UserRecord } from './user.model.js';
