import { ElMessage } from 'element-plus';
import { useI18n } from 'vue-i18n';
import { ApiError } from '../api/client';

export interface ErrorMessages {
  /** A sentence for the user: the server's own localized text when it wrote one, ours otherwise. */
  describe(error: unknown): string;
  /** Show it as a toast. */
  notifyError(error: unknown): void;
}

export function useErrorMessage(): ErrorMessages {
  const { t, locale } = useI18n();

  function describe(error: unknown): string {
    if (error instanceof ApiError) {
      if (error.isNetworkError) return t('errors.network');
      if (error.hasTextIn(locale.value)) return error.messageIn(locale.value);
      if (error.status === 403) return t('errors.forbidden');
      if (error.status === 404) return t('errors.notFound');
      if (error.status === 409) return t('errors.conflict');
      if (error.status >= 500) return t('errors.server');
      return error.message;
    }
    return t('errors.unexpected', { message: error instanceof Error ? error.message : String(error) });
  }

  return {
    describe,
    notifyError(error) {
      ElMessage({ type: 'error', message: describe(error), grouping: true, showClose: true });
    },
  };
}
