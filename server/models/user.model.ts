import { Schema, type Connection, type Model, type Types } from 'mongoose';
import type { Locale } from '../../runtime/common/types.js';
import type { PasswordHash } from '../access/password.js';
import { LOCALES, ROLES, type Role } from '../access/roles.js';

export interface UserRecord {
  _id: Types.ObjectId;
  /** Lowercase, unique: the sign-in name. */
  username: string;
  displayName: string;
  email: string;
  roles: Role[];
  locale: Locale;
  department?: string;
  /** Customer level (`vip`, `gold`…): routing and priority rules read it as `requester.level`. */
  level?: string;
  /** Office, site or city: `requester.location`. */
  location?: string;
  /** Cost centre code: `requester.costCenter`. */
  costCenter?: string;
  /** Organisation-specific attributes rules read as `requester.<key>` (keys never shadow the ones above). */
  attributes?: Record<string, string | number | boolean>;
  /** Business calendar key of the person's working hours; absent: the organisation's (their team's, else default). */
  calendar?: string;
  /** The user's manager (approvals "requester's manager", escalations). */
  manager?: Types.ObjectId;
  /** Deactivated people cannot sign in and their sessions stop working; they stay for history. */
  active: boolean;
  /** Absent: the person cannot sign in with a password. */
  password?: PasswordHash;
  createdAt: Date;
  updatedAt: Date;
}

const passwordSchema = new Schema<PasswordHash>(
  {
    algorithm: { type: String, enum: ['scrypt'], required: true },
    N: { type: Number, required: true },
    r: { type: Number, required: true },
    p: { type: Number, required: true },
    keyLength: { type: Number, required: true },
    salt: { type: String, required: true },
    hash: { type: String, required: true },
  },
  { _id: false },
);

export const userSchema = new Schema<UserRecord>(
  {
    username: { type: String, required: true, lowercase: true, trim: true },
    displayName: { type: String, required: true },
    email: { type: String, required: true },
    roles: { type: [String], enum: ROLES, default: [] },
    locale: { type: String, enum: LOCALES, default: 'zh-CN' },
    department: { type: String },
    level: { type: String },
    location: { type: String },
    costCenter: { type: String },
    attributes: { type: Schema.Types.Mixed },
    calendar: { type: String },
    manager: { type: Schema.Types.ObjectId },
    active: { type: Boolean, default: true },
    password: { type: passwordSchema },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'users', versionKey: false },
);
// The commit point of "create this username": two concurrent creations (or two first-start bootstraps) cannot
// both succeed.
userSchema.index({ username: 1 }, { unique: true });
userSchema.index({ roles: 1 });

export type UserModel = Model<UserRecord>;

/** The User model bound to one app's connection. */
export function userModel(db: Connection): UserModel {
  return (db.models.User as UserModel | undefined) ?? db.model<UserRecord>('User', userSchema);
}
