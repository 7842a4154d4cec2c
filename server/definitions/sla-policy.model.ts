import type { Connection } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';

export const SLA_POLICIES_COLLECTION = 'sla_policies';

export interface SlaPolicyDoc {
  /** The policy's key, e.g. `standard`; ticket types refer to it as `"sla": "standard"`. */
  _id: string;
  name: LocalizedText;
  /** The policy (JSON text): its `when` rules are json-logic with nested arrays. */
  definition: string;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

export function slaPolicies(db: Connection) {
  return db.collection<SlaPolicyDoc>(SLA_POLICIES_COLLECTION);
}
