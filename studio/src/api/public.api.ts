/**
 * The pages behind signed links in emails: no session, the token in the path is the whole credential. A forged
 * token answers 404, a spent or expired one 410, each with a sentence for the requester in `text`.
 */
import { request } from './client';
import type { ConfirmPageAnswer, ConfirmResult, SurveyPageAnswer, SurveyRating, SurveyResult } from './types';

const path = (page: 'confirm' | 'survey', token: string) =>
  `/api/public/${page}/${encodeURIComponent(token)}`;

export function getConfirmPage(token: string): Promise<ConfirmPageAnswer> {
  return request<ConfirmPageAnswer>(path('confirm', token), { expectUnauthorized: true });
}

export function answerConfirm(
  token: string,
  answer: { action: 'confirm' | 'reopen'; comment?: string },
): Promise<ConfirmResult> {
  return request<ConfirmResult>(path('confirm', token), {
    method: 'POST',
    body: answer,
    expectUnauthorized: true,
  });
}

export function getSurveyPage(token: string): Promise<SurveyPageAnswer> {
  return request<SurveyPageAnswer>(path('survey', token), { expectUnauthorized: true });
}

export function answerSurvey(
  token: string,
  answer: { rating: SurveyRating; comment?: string },
): Promise<SurveyResult> {
  return request<SurveyResult>(path('survey', token), {
    method: 'POST',
    body: answer,
    expectUnauthorized: true,
  });
}
