import { defineComponent, h, isMemoSame, type PropType, type VNode } from 'vue';
import { ElFormItem } from 'element-plus';

/**
 * An `el-form-item` that renders again only when one of `memo` changed (compared one by one, as `v-memo` does);
 * every other attribute and slot is handed to the form item as given. A row of a large form re-renders with it
 * only when what the row shows changed, not on every keystroke in another field.
 *
 * Why not `v-memo` on the form item: the rows are a `v-for` inside the sections' `v-for`, and the compiler gives
 * an inner list one memo cache for all sections, so no row ever finds its own; and a slot's content is rendered
 * by the form item, so the form item itself would still re-render whenever anything its content reads changed
 * (the whole form's evaluation and data, on every keystroke). Here the default slot's content is rendered by
 * this component — what it reads is tracked here, where an unchanged `memo` stops it — and the form item is
 * handed the finished content. Like `v-memo`, the row must show nothing that is not in `memo`.
 */
export default defineComponent({
  name: 'MemoFormItem',
  inheritAttrs: false,
  props: {
    memo: { type: Array as PropType<readonly unknown[]>, required: true },
  },
  setup(props, { attrs, slots }) {
    let cached: VNode | undefined;
    return () => {
      if (cached?.el && isMemoSame(cached, props.memo as unknown[])) return cached;
      const content = slots.default?.();
      const tree = h(ElFormItem, { ...attrs }, { ...slots, default: () => content });
      // Marked as memoised (Vue's own field for `v-memo`), so Vue takes it back as it is and skips patching it.
      (tree as VNode & { memo?: unknown[] }).memo = [...props.memo];
      cached = tree;
      return tree;
    };
  },
});
