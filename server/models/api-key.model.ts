import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { API_KEY_SCOPES, type ApiKeyScope } from '../access/roles.js';

/** An integration key. The secret is shown once at creation; only its sha256 hash is kept. */
export interface ApiKeyRecord {
  /** The `<id>` part of `ordo_<id>_<secret>`. */
  _id: string;
  name: string;
  scopes: ApiKeyScope[];
  secretHash: string;
  createdAt: Date;
  createdBy: Types.ObjectId;
  lastUsedAt?: Date;
  /** Set once; a revoked key answers 401 from then on. The record stays for the audit of who used what. */
  revokedAt?: Date;
}

export const apiKeySchema = new Schema<ApiKeyRecord>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    scopes: { type: [String], enum: API_KEY_SCOPES, default: [] },
    secretHash: { type: String, required: true },
    createdAt: { type: Date, required: true },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    lastUsedAt: { type: Date },
    revokedAt: { type: Date },
  },
  { collection: 'apiKeys', versionKey: false },
);
apiKeySchema.index({ createdAt: -1 });

export type ApiKeyModel = Model<ApiKeyRecord>;

export function apiKeyModel(db: Connection): ApiKeyModel {
  return (db.models.ApiKey as ApiKeyModel | undefined) ?? db.model<ApiKeyRecord>('ApiKey', apiKeySchema);
}
