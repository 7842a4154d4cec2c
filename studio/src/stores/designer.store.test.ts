// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { ApiError } from '../api/client';
import type { DraftView } from '../api/designer.api';
import { blankTicketType } from '../designer/blank-type';
import type { DraftDefinition } from '../designer/designer.types';

/** The server as the designer store sees it: a draft with a revision, saves guarded by it. */
const server = vi.hoisted(() => ({
  draft: null as unknown as DraftDefinition,
  revision: 1,
  saves: [] as { revision: number; name: string }[],
  /** When set, the next save is refused as stale (someone else saved revision `revision`). */
  someoneElseSaved: false,
}));

vi.mock('../api/designer.api', () => {
  const view = (): DraftView => ({
    key: server.draft.key,
    name: server.draft.name,
    category: server.draft.category,
    latestVersion: 0,
    view: 'draft',
    draftRevision: server.revision,
    updatedBy: 'someone',
    updatedAt: '2026-12-06T10:00:00.000Z',
    definition: JSON.parse(JSON.stringify(server.draft)) as DraftDefinition,
  });
  return {
    getDraft: vi.fn(async () => view()),
    saveDraft: vi.fn(async (_key: string, revision: number, definition: DraftDefinition) => {
      if (server.someoneElseSaved || revision !== server.revision) {
        server.someoneElseSaved = false;
        throw new ApiError({
          status: 409,
          title: 'Conflict',
          currentRevision: server.revision,
          updatedBy: 'lin',
          updatedAt: '2026-12-06T10:05:00.000Z',
        });
      }
      server.draft = JSON.parse(JSON.stringify(definition)) as DraftDefinition;
      server.revision += 1;
      server.saves.push({ revision, name: definition.name.en });
      return view();
    }),
    validateDraft: vi.fn(async () => ({ valid: true, problems: [] })),
  };
});

const { useDesignerStore, AUTOSAVE_DELAY_MS } = await import('./designer.store');

function rename(store: ReturnType<typeof useDesignerStore>, en: string): void {
  store.change('settings.name', (draft) => {
    draft.name = { ...draft.name, en };
  });
}

describe('designer store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
    server.draft = blankTicketType('qa.sample', { 'zh-CN': '样例', en: 'Sample' }, 'qa');
    server.revision = 1;
    server.saves = [];
    server.someoneElseSaved = false;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('loads the draft with its revision and checks it in the browser', async () => {
    const store = useDesignerStore();
    await store.load('qa.sample');
    expect(store.draft?.key).toBe('qa.sample');
    expect(store.revision).toBe(1);
    expect(store.saveState).toBe('saved');
    // A blank type has no routing rule yet: the runtime's own check says so, with its path.
    expect(store.problems.map((problem) => problem.path)).toContain('/routing');
  });

  it('undoes and redoes changes made in any editor, folding quick repeats of one change into one step', async () => {
    const store = useDesignerStore();
    await store.load('qa.sample');
    rename(store, 'S');
    rename(store, 'Sa');
    rename(store, 'Sam');
    store.change('form.addSection', (draft) => {
      (draft.form as { layout: unknown[] }).layout.push({
        section: 'main',
        title: { 'zh-CN': '主要', en: 'Main' },
        fields: [],
      });
    });
    expect(store.past).toHaveLength(2);
    store.undo();
    expect((store.draft?.form as { layout: unknown[] }).layout).toHaveLength(0);
    expect(store.draft?.name.en).toBe('Sam');
    store.undo();
    expect(store.draft?.name.en).toBe('Sample');
    expect(store.canUndo).toBe(false);
    store.redo();
    expect(store.draft?.name.en).toBe('Sam');
    store.redo();
    expect((store.draft?.form as { layout: unknown[] }).layout).toHaveLength(1);
    expect(store.canRedo).toBe(false);
  });

  it('starts a new undo step once the same change pauses', async () => {
    const store = useDesignerStore();
    await store.load('qa.sample');
    rename(store, 'One');
    vi.advanceTimersByTime(1_500);
    rename(store, 'Two');
    expect(store.past).toHaveLength(2);
    store.undo();
    expect(store.draft?.name.en).toBe('One');
  });

  it('saves once after a burst of changes, with the revision it loaded, then with the new one', async () => {
    const store = useDesignerStore();
    await store.load('qa.sample');
    rename(store, 'A');
    rename(store, 'AB');
    expect(store.saveState).toBe('dirty');
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    expect(server.saves).toEqual([{ revision: 1, name: 'AB' }]);
    expect(store.saveState).toBe('saved');
    expect(store.revision).toBe(2);
    rename(store, 'ABC');
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    expect(server.saves.at(-1)).toEqual({ revision: 2, name: 'ABC' });
  });

  it('never overwrites a draft someone else saved: the conflict is shown and the analyst chooses', async () => {
    const store = useDesignerStore();
    await store.load('qa.sample');
    server.revision = 5; // someone saved four times meanwhile
    server.draft = { ...server.draft, name: { 'zh-CN': '他人的', en: 'Theirs' } };
    rename(store, 'Mine');
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    expect(store.saveState).toBe('conflict');
    expect(store.conflict).toEqual({
      currentRevision: 5,
      updatedBy: 'lin',
      updatedAt: '2026-12-06T10:05:00.000Z',
    });
    // Further edits do not sneak a save through while the conflict stands.
    rename(store, 'Mine again');
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS * 3);
    expect(server.saves).toHaveLength(0);
    expect(server.draft.name.en).toBe('Theirs');

    await store.takeTheirs();
    expect(store.draft?.name.en).toBe('Theirs');
    expect(store.saveState).toBe('saved');
    // Mine is one undo away.
    store.undo();
    expect(store.draft?.name.en).toBe('Mine again');
  });

  it('overwrites theirs only when asked, on top of their newest revision', async () => {
    const store = useDesignerStore();
    await store.load('qa.sample');
    server.revision = 3;
    rename(store, 'Mine');
    await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    expect(store.saveState).toBe('conflict');
    await store.overwriteTheirs();
    expect(server.saves).toEqual([{ revision: 3, name: 'Mine' }]);
    expect(store.saveState).toBe('saved');
  });

  it('sends the analyst to the tab and place a problem names', async () => {
    const store = useDesignerStore();
    await store.load('qa.sample');
    store.focusOn({ path: '/routing/2/when' });
    expect(store.activeTab).toBe('routing');
    expect(store.focus).toMatchObject({ tab: 'routing', path: '/routing/2/when' });
    store.focusOn({ path: '/flow/nodes/1', nodeId: 'handle' });
    expect(store.activeTab).toBe('flow');
    expect(store.focus).toMatchObject({ nodeId: 'handle' });
    store.focusOn({ path: '/numberFormat' });
    expect(store.activeTab).toBe('settings');
    const first = store.focus?.serial ?? 0;
    store.focusOn({ path: '/numberFormat' });
    expect(store.focus?.serial).toBe(first + 1);
  });

  it('lists the problems under a pointer, for editors to mark their own rows', async () => {
    const store = useDesignerStore();
    await store.load('qa.sample');
    store.change('flow.removeEnd', (draft) => {
      const flow = draft.flow as { nodes: { id: string }[]; edges: { target: string }[] };
      flow.nodes = flow.nodes.filter((node) => node.id !== 'end');
    });
    store.check();
    expect(store.problemsAt('/flow').length).toBeGreaterThan(0);
    expect(store.problemsAt('/form')).toEqual([]);
  });
});
