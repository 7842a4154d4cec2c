import type { Connection } from 'mongoose';
import type { LocalizedText, Problem } from '../../runtime/common/types.js';
import { checkReference, compileValidator } from '../../runtime/definitions/index.js';
import {
  checkSlaPolicy as checkPolicyRules,
  slaPolicySchema,
  type SlaPolicy,
} from '../../runtime/sla/index.js';
import { badRequest, conflict, notFound } from '../lib/problem.js';
import { isDuplicateKey } from '../lib/sequence.js';
import { calendarKeys } from './calendars.service.js';
import { parseDefinitionText, toDefinitionText } from './definition-json.js';
import { invalidDefinition } from './definitions.messages.js';
import { slaPolicies, type SlaPolicyDoc } from './sla-policy.model.js';

const validatePolicyShape = compileValidator(slaPolicySchema, {
  rootLabel: { 'zh-CN': 'SLA 策略', en: 'SLA policy' },
});

/**
 * Shape by the runtime's policy schema, then its rules (allow-listed json-logic), then every calendar the policy
 * measures on must exist. Paths point into the request body (`/policy/targets/0/when`).
 */
export async function slaPolicyProblems(db: Connection, policy: unknown): Promise<Problem[]> {
  const shape = validatePolicyShape(policy, '/policy');
  if (shape.length > 0) return shape;
  const rules = checkPolicyRules(policy as SlaPolicy, '/policy');
  if (rules.length > 0) return rules;
  const refs = { calendars: await calendarKeys(db) };
  const where = { 'zh-CN': 'SLA 策略', en: 'The SLA policy' };
  const body = policy as SlaPolicy;
  const places = [
    { calendar: body.calendar, path: '/policy/calendar' },
    ...body.targets.map((target, index) => ({
      calendar: target.calendar,
      path: `/policy/targets/${index}/calendar`,
    })),
  ];
  return places.flatMap(({ calendar, path }) => {
    const problem =
      calendar === undefined ? undefined : checkReference('calendar', calendar, path, refs, where);
    return problem ? [problem] : [];
  });
}

export interface SlaPolicyView {
  key: string;
  name: LocalizedText;
  revision: number;
  updatedAt: string;
  updatedBy: string;
  policy: Record<string, unknown>;
}

function toView(doc: SlaPolicyDoc): SlaPolicyView {
  return {
    key: doc._id,
    name: doc.name,
    revision: doc.revision,
    updatedAt: doc.updatedAt.toISOString(),
    updatedBy: doc.updatedBy,
    policy: parseDefinitionText(doc.definition),
  };
}

export async function listSlaPolicies(db: Connection): Promise<SlaPolicyView[]> {
  const docs = await slaPolicies(db).find({}).sort({ _id: 1 }).toArray();
  return docs.map(toView);
}

export async function getSlaPolicy(db: Connection, key: string): Promise<SlaPolicyView> {
  const doc = await slaPolicies(db).findOne({ _id: key });
  if (!doc) throw notFound(`SLA policy ${key}`);
  return toView(doc);
}

/** The stored policy a ticket type's `"sla": "<key>"` resolves to; undefined when there is none. */
export async function loadSlaPolicyDefinition(
  db: Connection,
  key: string,
): Promise<Record<string, unknown> | undefined> {
  const doc = await slaPolicies(db).findOne({ _id: key });
  return doc ? parseDefinitionText(doc.definition) : undefined;
}

export async function slaPolicyKeys(db: Connection): Promise<string[]> {
  const docs = await slaPolicies(db)
    .find({}, { projection: { _id: 1 } })
    .toArray();
  return docs.map((doc) => doc._id);
}

export async function createSlaPolicy(
  db: Connection,
  input: { key: string; name: LocalizedText; policy: Record<string, unknown> },
  actor: string,
  at: Date,
): Promise<SlaPolicyView> {
  const problems = await slaPolicyProblems(db, input.policy);
  if (problems.length > 0) throw invalidDefinition(problems, { base: 'body' });
  const doc: SlaPolicyDoc = {
    _id: input.key,
    name: input.name,
    definition: toDefinitionText(input.policy),
    revision: 1,
    createdAt: at,
    updatedAt: at,
    updatedBy: actor,
  };
  try {
    await slaPolicies(db).insertOne(doc);
  } catch (error) {
    if (isDuplicateKey(error))
      throw conflict(
        {
          'zh-CN': `标识为 ${input.key} 的 SLA 策略已存在`,
          en: `An SLA policy with the key ${input.key} exists`,
        },
        {},
        'body.key',
      );
    throw error;
  }
  return toView(doc);
}

/**
 * Replace a policy. Published ticket-type versions embed the policy they used, so running tickets keep their
 * targets; the change reaches a type at its next publish.
 */
export async function updateSlaPolicy(
  db: Connection,
  key: string,
  input: { key?: string; name: LocalizedText; policy: Record<string, unknown> },
  actor: string,
  at: Date,
  expectedRevision?: number,
): Promise<SlaPolicyView> {
  if (input.key !== undefined && input.key !== key) {
    throw badRequest('body.key', `The key cannot change: the address names ${key}, the body ${input.key}`);
  }
  const problems = await slaPolicyProblems(db, input.policy);
  if (problems.length > 0) throw invalidDefinition(problems, { base: 'body' });
  const current = await slaPolicies(db).findOne({ _id: key });
  if (!current) throw notFound(`SLA policy ${key}`);
  if (expectedRevision !== undefined && expectedRevision !== current.revision) {
    throw conflict(
      {
        'zh-CN': `SLA 策略在第 ${expectedRevision} 次修订后已被修改，请重新加载`,
        en: `The SLA policy changed since revision ${expectedRevision}`,
      },
      {
        currentRevision: current.revision,
      },
    );
  }
  // Atomic on MongoDB; on FerretDB 1.24 a read then a write (see calendars.service.ts).
  const result = await slaPolicies(db).updateOne(
    { _id: key, revision: current.revision },
    {
      $set: {
        name: input.name,
        definition: toDefinitionText(input.policy),
        revision: current.revision + 1,
        updatedAt: at,
        updatedBy: actor,
      },
    },
  );
  if (result.matchedCount === 0) {
    const now = await slaPolicies(db).findOne({ _id: key });
    throw conflict(
      {
        'zh-CN': 'SLA 策略刚刚被其他人修改，请重新加载',
        en: 'The SLA policy was changed by someone else meanwhile',
      },
      {
        currentRevision: now?.revision,
      },
    );
  }
  return getSlaPolicy(db, key);
}
