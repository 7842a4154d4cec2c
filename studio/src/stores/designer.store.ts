import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { validateTicketType } from '../../../runtime/definitions/validate-ticket-type';
import * as designerApi from '../api/designer.api';
import { ApiError } from '../api/client';
import {
  tabOfPath,
  type DesignerTab,
  type DraftDefinition,
  type FocusTarget,
  type Problem,
  type SampleTicket,
  type SaveState,
} from '../designer/designer.types';

/** Quiet time after the last change before the draft is saved. */
export const AUTOSAVE_DELAY_MS = 800;
/** Changes with the same label closer together than this are one undo step (typing a word, dragging). */
const COALESCE_MS = 1_000;
/** Quiet time after the last change before the in-browser check runs again. */
const CHECK_DELAY_MS = 250;
const UNDO_LIMIT = 200;

interface HistoryEntry {
  label: string;
  /** Patch from the state before the change to the state after it. */
  redo: Operation[];
  /** Patch back. */
  undo: Operation[];
  at: number;
}

/** What a refused save (409) said about the draft someone else saved. */
export interface DraftConflict {
  currentRevision?: number;
  updatedAt?: string;
  updatedBy?: string;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * The one source of truth of the designer: the draft of one ticket type. Every editor reads `draft` and changes
 * it only through `change()`, so undo / redo, autosave, the in-browser check and the JSON tab all see the same
 * thing. A change is recorded as a pair of JSON patches (fast-json-patch), which keeps undo cheap on large
 * definitions. Saving is debounced and guarded by the draft's revision: a save refused because someone else
 * saved first is shown (`saveState = 'conflict'`), never overwritten silently.
 */
export const useDesignerStore = defineStore('designer', () => {
  const key = ref<string | null>(null);
  /** The draft being edited; mutate only through `change()` / `replace()`. */
  const draft = ref<DraftDefinition | null>(null);
  const revision = ref(0);
  const meta = ref<Omit<designerApi.DraftView, 'definition'> | null>(null);
  const loading = ref(false);
  const loadError = ref<unknown>(null);

  const saveState = ref<SaveState>('saved');
  const saveError = ref<unknown>(null);
  const conflict = ref<DraftConflict | null>(null);
  const lastSavedAt = ref<number | null>(null);

  const past = shallowRef<HistoryEntry[]>([]);
  const future = shallowRef<HistoryEntry[]>([]);
  const canUndo = computed(() => past.value.length > 0);
  const canRedo = computed(() => future.value.length > 0);

  /** Problems the runtime's own checker finds in the browser, refreshed shortly after each change. */
  const problems = shallowRef<Problem[]>([]);
  /** Problems from the server's validate (references to teams, calendars, policies included). */
  const serverProblems = shallowRef<Problem[] | null>(null);
  const validating = ref(false);

  const activeTab = ref<DesignerTab>('form');
  const focus = ref<FocusTarget | null>(null);
  let focusSerial = 0;

  /** Sample ticket shared by the form preview, every "try it" panel and simulate. */
  const sample = ref<SampleTicket>({ data: {}, requester: {}, channel: 'portal', title: '' });

  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  let checkTimer: ReturnType<typeof setTimeout> | undefined;
  let saving: Promise<void> | null = null;
  /** Bumped by every change, so a save knows whether more came in while it was on its way. */
  let changeCount = 0;

  /** Read through a call: the state changes behind an `await`, which type narrowing does not see. */
  const currentSaveState = (): SaveState => saveState.value;
  const dirty = computed(() => saveState.value !== 'saved');
  /** Every problem: the server's when it checked the current revision, else the browser's. */
  const allProblems = computed(() => serverProblems.value ?? problems.value);

  function reset(): void {
    clearTimeout(saveTimer);
    clearTimeout(checkTimer);
    key.value = null;
    draft.value = null;
    revision.value = 0;
    meta.value = null;
    saveState.value = 'saved';
    saveError.value = null;
    conflict.value = null;
    past.value = [];
    future.value = [];
    problems.value = [];
    serverProblems.value = null;
    focus.value = null;
    activeTab.value = 'form';
    sample.value = { data: {}, requester: {}, channel: 'portal', title: '' };
  }

  async function load(typeKey: string): Promise<void> {
    reset();
    key.value = typeKey;
    loading.value = true;
    loadError.value = null;
    try {
      adopt(await designerApi.getDraft(typeKey));
      check();
    } catch (error) {
      loadError.value = error;
    } finally {
      loading.value = false;
    }
  }

  function adopt(view: designerApi.DraftView): void {
    const { definition, ...rest } = view;
    draft.value = definition;
    revision.value = view.draftRevision;
    meta.value = rest;
  }

  /**
   * Change the draft. `label` names the change for the undo list (`form.addField`); changes with the same label
   * in quick succession fold into one undo step.
   */
  function change(label: string, mutate: (draft: DraftDefinition) => void): void {
    if (!draft.value) return;
    const before = clone(draft.value);
    mutate(draft.value);
    record(label, before, clone(draft.value));
  }

  /** Replace the whole draft (the JSON tab, a rollback, a pasted definition). */
  function replace(label: string, next: DraftDefinition): void {
    if (!draft.value) return;
    const before = clone(draft.value);
    draft.value = clone(next);
    record(label, before, clone(next));
  }

  function record(label: string, before: DraftDefinition, after: DraftDefinition): void {
    const redo = jsonPatch.compare(before, after);
    if (redo.length === 0) return;
    const undo = jsonPatch.compare(after, before);
    const now = Date.now();
    const last = past.value[past.value.length - 1];
    if (last && last.label === label && now - last.at < COALESCE_MS) {
      // One undo step for a burst of the same change: forward is the combined patch, back restores the start.
      const origin = jsonPatch.applyPatch(clone(before), last.undo, false, false).newDocument;
      past.value = [
        ...past.value.slice(0, -1),
        { label, redo: jsonPatch.compare(origin, after), undo: jsonPatch.compare(after, origin), at: now },
      ];
    } else {
      past.value = [...past.value.slice(-(UNDO_LIMIT - 1)), { label, redo, undo, at: now }];
    }
    future.value = [];
    touched();
  }

  function undo(): void {
    const entry = past.value[past.value.length - 1];
    if (!entry || !draft.value) return;
    draft.value = jsonPatch.applyPatch(clone(draft.value), entry.undo, false, false).newDocument;
    past.value = past.value.slice(0, -1);
    future.value = [...future.value, { ...entry, at: 0 }];
    touched();
  }

  function redo(): void {
    const entry = future.value[future.value.length - 1];
    if (!entry || !draft.value) return;
    draft.value = jsonPatch.applyPatch(clone(draft.value), entry.redo, false, false).newDocument;
    future.value = future.value.slice(0, -1);
    past.value = [...past.value, { ...entry, at: 0 }];
    touched();
  }

  function touched(): void {
    changeCount += 1;
    serverProblems.value = null;
    if (saveState.value !== 'conflict') saveState.value = 'dirty';
    scheduleSave();
    scheduleCheck();
  }

  function scheduleSave(): void {
    clearTimeout(saveTimer);
    if (saveState.value === 'conflict') return;
    saveTimer = setTimeout(() => void saveNow(), AUTOSAVE_DELAY_MS);
  }

  /** Save now (Ctrl+S, leaving the page, before publish); resolves once the draft on the server is current. */
  async function saveNow(): Promise<void> {
    clearTimeout(saveTimer);
    if (saving) {
      await saving;
      if (currentSaveState() === 'dirty') return saveNow();
      return;
    }
    if (!key.value || !draft.value || saveState.value === 'saved' || saveState.value === 'conflict') return;
    const sentAt = changeCount;
    saveState.value = 'saving';
    saving = (async () => {
      try {
        const saved = await designerApi.saveDraft(key.value as string, revision.value, clone(draft.value!));
        revision.value = saved.draftRevision;
        const { definition: _definition, ...rest } = saved;
        meta.value = rest;
        saveError.value = null;
        lastSavedAt.value = Date.now();
        saveState.value = changeCount === sentAt ? 'saved' : 'dirty';
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) {
          const problem = error.problem;
          conflict.value = {
            ...(typeof problem.currentRevision === 'number'
              ? { currentRevision: problem.currentRevision }
              : {}),
            ...(typeof problem.updatedAt === 'string' ? { updatedAt: problem.updatedAt } : {}),
            ...(typeof problem.updatedBy === 'string' ? { updatedBy: problem.updatedBy } : {}),
          };
          saveState.value = 'conflict';
        } else {
          saveError.value = error;
          saveState.value = 'error';
        }
      } finally {
        saving = null;
      }
    })();
    await saving;
    if (currentSaveState() === 'dirty') scheduleSave();
  }

  /** After a conflict: keep my draft and save it over theirs (the analyst chose so, having seen who saved). */
  async function overwriteTheirs(): Promise<void> {
    if (!key.value) return;
    const theirs = await designerApi.getDraft(key.value);
    revision.value = theirs.draftRevision;
    conflict.value = null;
    saveState.value = 'dirty';
    await saveNow();
  }

  /** After a conflict: take the saved draft and drop mine (undo can bring mine back). */
  async function takeTheirs(): Promise<void> {
    if (!key.value || !draft.value) return;
    const theirs = await designerApi.getDraft(key.value);
    const before = clone(draft.value);
    adopt(theirs);
    conflict.value = null;
    const after = clone(theirs.definition);
    const redoPatch = jsonPatch.compare(before, after);
    if (redoPatch.length > 0) {
      past.value = [
        ...past.value,
        { label: 'conflict.takeTheirs', redo: redoPatch, undo: jsonPatch.compare(after, before), at: 0 },
      ];
    }
    saveState.value = 'saved';
    scheduleCheck();
  }

  function scheduleCheck(): void {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(check, CHECK_DELAY_MS);
  }

  /** The runtime's checker on the draft as it is now (no server round trip). */
  function check(): void {
    clearTimeout(checkTimer);
    problems.value = draft.value ? validateTicketType(draft.value).problems : [];
  }

  /** Save, then ask the server (which also knows teams, calendars and policies) for every problem. */
  async function validate(): Promise<designerApi.ValidationReport | null> {
    if (!key.value) return null;
    validating.value = true;
    try {
      await saveNow();
      const report = await designerApi.validateDraft(key.value);
      serverProblems.value = report.problems;
      return report;
    } finally {
      validating.value = false;
    }
  }

  /** Show the analyst where a problem (or any pointer) is: switch tab and let the editor select it. */
  function focusOn(target: { path: string; nodeId?: string; edgeId?: string; tab?: DesignerTab }): void {
    const tab = target.tab ?? (target.nodeId || target.edgeId ? 'flow' : tabOfPath(target.path));
    activeTab.value = tab;
    focusSerial += 1;
    focus.value = {
      tab,
      path: target.path,
      ...(target.nodeId ? { nodeId: target.nodeId } : {}),
      ...(target.edgeId ? { edgeId: target.edgeId } : {}),
      serial: focusSerial,
    };
  }

  /** Problems under a JSON pointer (an editor marks its own rows, fields, nodes). */
  function problemsAt(pointer: string): Problem[] {
    return allProblems.value.filter(
      (problem) => problem.path === pointer || problem.path.startsWith(`${pointer}/`),
    );
  }

  /** After publish or rollback the server's view of the draft changed: take its revision and state. */
  async function refreshMeta(): Promise<void> {
    if (!key.value) return;
    const view = await designerApi.getDraft(key.value);
    if (saveState.value === 'saved') adopt(view);
    else {
      revision.value = view.draftRevision;
      const { definition: _definition, ...rest } = view;
      meta.value = rest;
    }
  }

  watch(key, () => {
    serverProblems.value = null;
  });

  return {
    key,
    draft,
    revision,
    meta,
    loading,
    loadError,
    saveState,
    saveError,
    conflict,
    lastSavedAt,
    dirty,
    canUndo,
    canRedo,
    past,
    future,
    problems,
    serverProblems,
    allProblems,
    validating,
    activeTab,
    focus,
    sample,
    load,
    reset,
    change,
    replace,
    undo,
    redo,
    saveNow,
    overwriteTheirs,
    takeTheirs,
    check,
    validate,
    focusOn,
    problemsAt,
    refreshMeta,
  };
});
