import { useI18n } from 'vue-i18n';
import { ApiError } from '../api/client';
import { useErrorMessage } from './useErrorMessage';

export interface PublicLinkProblem {
  kind: 'invalid' | 'expired' | 'used' | 'busy' | 'other';
  title: string;
  text: string;
}

/**
 * What a signed-link page says when the link cannot be answered: forged or mangled (404), too old or already
 * answered (410 — the server's `type` tells which), or too many tries (429). The server's own sentence, in the
 * reader's language, is preferred: it names the ticket and its current status.
 */
export function usePublicLinkError() {
  const { t, locale } = useI18n();
  const errors = useErrorMessage();

  function explain(error: unknown): PublicLinkProblem {
    if (!(error instanceof ApiError))
      return { kind: 'other', title: t('errors.server'), text: errors.describe(error) };
    const own = error.hasTextIn(locale.value) ? error.messageIn(locale.value) : undefined;
    if (error.status === 404)
      return {
        kind: 'invalid',
        title: t('publicPages.errors.invalidTitle'),
        text: own ?? t('publicPages.errors.invalidText'),
      };
    if (error.status === 410 && error.code === 'link-used')
      return {
        kind: 'used',
        title: t('publicPages.errors.usedTitle'),
        text: own ?? t('publicPages.errors.usedText'),
      };
    if (error.status === 410)
      return {
        kind: 'expired',
        title: t('publicPages.errors.expiredTitle'),
        text: own ?? t('publicPages.errors.expiredText'),
      };
    if (error.status === 429) return { kind: 'busy', title: t('publicPages.errors.tooMany'), text: '' };
    return { kind: 'other', title: t('errors.server'), text: errors.describe(error) };
  }

  return { explain };
}
