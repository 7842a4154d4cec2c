import type { FastifyInstance } from 'fastify';
import type { LocalizedText } from '../../../runtime/common/types.js';
import { HttpProblem } from '../../lib/problem.js';
import { writeGateOf } from '../../lib/write-gate.js';
import {
  MAX_KEPT_PAYLOAD,
  alertCollections,
  newRejectionId,
  type AlertChannelDoc,
} from './alert-channel.model.js';
import type { AlertIntake, AlertOutcome } from './alert-intake.js';
import { MappingError, mapAlerts } from './alert-mapping.js';

/** Why a payload was refused, for the rejection record and the problem answer. */
export interface Refusal {
  status: number;
  code: string;
  field?: string;
  text: LocalizedText;
}

export function refusalOf(error: unknown): Refusal | undefined {
  if (error instanceof MappingError)
    return { status: 422, code: error.code, field: error.field, text: error.text };
  if (error instanceof HttpProblem && error.status >= 400 && error.status < 500) {
    const text = error.options.text ?? {
      'zh-CN': error.options.detail ?? error.title,
      en: error.options.detail ?? error.title,
    };
    return {
      status: error.status,
      code: error.options.code ?? 'refused',
      ...(error.options.field ? { field: error.options.field } : {}),
      text,
    };
  }
  return undefined;
}

export const problemOf = (refusal: Refusal, rejectionId?: string) =>
  new HttpProblem(refusal.status, refusal.status === 422 ? 'Unprocessable Entity' : 'Bad Request', {
    code: refusal.code,
    ...(refusal.field ? { field: refusal.field } : {}),
    text: refusal.text,
    ...(rejectionId ? { extra: { rejectionId } } : {}),
  });

/** Keep a payload that did not become tickets, with why; answers the record's id. */
export async function keepRejection(
  app: FastifyInstance,
  channelId: string,
  payloadText: string,
  refusal: Refusal,
): Promise<string> {
  const id = newRejectionId();
  const truncated = payloadText.length > MAX_KEPT_PAYLOAD;
  await writeGateOf(app.db).run(() =>
    alertCollections(app.db).rejections.insertOne({
      _id: id,
      channelId,
      at: new Date(app.clock.now()),
      code: refusal.code,
      ...(refusal.field ? { field: refusal.field } : {}),
      reason: refusal.text,
      payload: truncated ? payloadText.slice(0, MAX_KEPT_PAYLOAD) : payloadText,
      truncated,
      replays: 0,
    }),
  );
  return id;
}

/**
 * Map a payload and put its alerts onto tickets. A payload that does not match the mapping stores nothing; a
 * refusal (mapping, the type's form, the requester) throws the refusal for the caller to keep and answer.
 * Errors of the server itself (the database away) are thrown as they are: the sender retries.
 */
export async function receivePayload(
  intake: AlertIntake,
  channel: AlertChannelDoc,
  payload: unknown,
): Promise<AlertOutcome[]> {
  const alerts = mapAlerts(payload, channel.preset, channel.mapping);
  return intake.process(channel, alerts);
}
