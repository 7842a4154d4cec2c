import { onScopeDispose, ref, type Ref } from 'vue';

/** Below this width the studio is laid out for a phone: the side menu becomes a drawer, tables become cards. */
export const PHONE_QUERY = '(max-width: 767px)';

/** Whether the window is phone-wide now; follows rotation and resizing while the calling component lives. */
export function usePhoneWidth(): Ref<boolean> {
  const query = window.matchMedia(PHONE_QUERY);
  const phone = ref(query.matches);
  const update = (event: MediaQueryListEvent): void => {
    phone.value = event.matches;
  };
  query.addEventListener('change', update);
  onScopeDispose(() => query.removeEventListener('change', update));
  return phone;
}
