import { Schema, type Connection, type Model, type Types } from 'mongoose';

/** A signed-in session. The token itself is never stored: `_id` is its sha256 hash. */
export interface SessionRecord {
  _id: string;
  userId: Types.ObjectId;
  createdAt: Date;
  /** Checked in code on every request (no TTL index on FerretDB); expired sessions are removed lazily. */
  expiresAt: Date;
}

export const sessionSchema = new Schema<SessionRecord>(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'sessions', versionKey: false },
);
sessionSchema.index({ userId: 1 });
sessionSchema.index({ expiresAt: 1 });

export type SessionModel = Model<SessionRecord>;

export function sessionModel(db: Connection): SessionModel {
  return (db.models.Session as SessionModel | undefined) ?? db.model<SessionRecord>('Session', sessionSchema);
}
