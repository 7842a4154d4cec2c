import { ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { ApiError } from '../api/client';

/**
 * Errors the server attached to form fields, for `<el-form-item :error="fieldErrors.username">`. The server
 * names fields as `body.username`; the ApiError has already turned that into `username`.
 */
export function useServerFieldErrors<Field extends string>() {
  const { locale } = useI18n();
  const fieldErrors = ref<Partial<Record<Field, string>>>({});

  function clear(): void {
    fieldErrors.value = {};
  }

  /** Put the error on its fields; false when it names none the form knows (show it another way then). */
  function apply(error: unknown, knownFields: readonly Field[]): boolean {
    const placed: Partial<Record<Field, string>> = {};
    if (error instanceof ApiError) {
      for (const [field, message] of Object.entries(error.fieldErrorsIn(locale.value))) {
        // `name.en` or `members.0.userId` belong to the form item of `name` or `members`.
        const known = knownFields.find(
          (candidate) => field === candidate || field.startsWith(`${candidate}.`),
        );
        if (known !== undefined) placed[known] ??= message;
      }
    }
    fieldErrors.value = placed;
    return Object.keys(placed).length > 0;
  }

  return { fieldErrors, apply, clear };
}
