import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';

export interface TeamMemberRecord {
  userId: Types.ObjectId;
  /** Skill name → level 1 (basic) to 5 (expert). */
  skills: Record<string, number>;
  /** Most open tickets this member should hold; absent: no limit. */
  capacity?: number;
  /** Away or on leave until this instant: assignment skips the member. */
  awayUntil?: Date;
}

/**
 * A team: who works its queue, who supervises it, where escalations go. Round-robin cursors are not kept here:
 * the ticket service stores them as unique-index inserts so concurrent assignments never share a turn.
 */
export interface TeamRecord {
  _id: Types.ObjectId;
  /** Unique, stable: routing rules and templates refer to teams by key. */
  key: string;
  name: LocalizedText;
  supervisor?: Types.ObjectId;
  /** Key of the backup / escalation team. */
  backupTeam?: string;
  /** Business calendar of the team's working hours; absent: the organisation's (the SLA policy's calendar). */
  calendar?: string;
  members: TeamMemberRecord[];
  createdAt: Date;
  updatedAt: Date;
}

const memberSchema = new Schema<TeamMemberRecord>(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    skills: { type: Schema.Types.Mixed, default: {} },
    capacity: { type: Number },
    awayUntil: { type: Date },
  },
  { _id: false, minimize: false },
);

export const teamSchema = new Schema<TeamRecord>(
  {
    key: { type: String, required: true },
    name: {
      'zh-CN': { type: String, required: true },
      en: { type: String, required: true },
    },
    supervisor: { type: Schema.Types.ObjectId },
    backupTeam: { type: String },
    calendar: { type: String },
    members: { type: [memberSchema], default: [] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'teams', versionKey: false, minimize: false },
);
teamSchema.index({ key: 1 }, { unique: true });
teamSchema.index({ 'members.userId': 1 });
teamSchema.index({ supervisor: 1 });

export type TeamModel = Model<TeamRecord>;

export function teamModel(db: Connection): TeamModel {
  return (db.models.Team as TeamModel | undefined) ?? db.model<TeamRecord>('Team', teamSchema);
}
