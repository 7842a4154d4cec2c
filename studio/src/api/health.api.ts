import { requestWithStatus } from './client';
import type { Health } from './types';

/** `/health` answers 503 with a body when the database is down; both answers are worth showing. */
export async function fetchHealth(): Promise<{ httpStatus: number; health: Health | undefined }> {
  const { status, body } = await requestWithStatus<Health>('/health');
  return { httpStatus: status, health: body };
}
