import { computed, shallowRef } from 'vue';
import { listCalendars, type CalendarView } from '../../api/sla.api';
import {
  ALWAYS_OPEN_CALENDAR_DEFINITION,
  CN_STANDARD_CALENDAR_DEFINITION,
  type BusinessCalendarDefinition,
} from '../../../../runtime/time';
import { compileCalendars } from './sla-editor';

/**
 * The business calendars the studio knows: the runtime's presets at once, then the server's list (which may
 * extend the presets with more years, and adds the company's own). Loaded once per page load and shared; the
 * calendar page reloads it after a save.
 */
const views = shallowRef<CalendarView[]>([]);
const loaded = shallowRef(false);
const failed = shallowRef<unknown>(null);
let loading: Promise<void> | null = null;

const PRESETS: BusinessCalendarDefinition[] = [
  CN_STANDARD_CALENDAR_DEFINITION,
  ALWAYS_OPEN_CALENDAR_DEFINITION,
];

export function useCalendars() {
  const definitions = computed<BusinessCalendarDefinition[]>(() => {
    const byKey = new Map(PRESETS.map((definition) => [definition.key, definition]));
    for (const view of views.value) byKey.set(view.key, view.definition);
    return [...byKey.values()];
  });
  const compiled = computed(() => compileCalendars(definitions.value));

  async function reload(): Promise<void> {
    loading = (async () => {
      try {
        views.value = await listCalendars();
        failed.value = null;
      } catch (error) {
        failed.value = error;
      } finally {
        loaded.value = true;
      }
    })();
    await loading;
  }

  function ensureLoaded(): Promise<void> {
    return loading ?? reload();
  }

  return { views, definitions, compiled, loaded, failed, reload, ensureLoaded };
}
