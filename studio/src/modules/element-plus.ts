/**
 * Element Plus, registered component by component: only what the studio uses ends up in the bundle, and the
 * template type check knows exactly these (an unregistered `<el-x>` fails vue-tsc instead of the browser).
 * Add a component here — and its style import — before using it in a template.
 */
import type { App, GlobalComponents } from 'vue';
import {
  ElAlert,
  ElAside,
  ElAvatar,
  ElBadge,
  ElButton,
  ElCard,
  ElCheckbox,
  ElCheckboxGroup,
  ElConfigProvider,
  ElContainer,
  ElDatePicker,
  ElDescriptions,
  ElDescriptionsItem,
  ElDialog,
  ElDropdown,
  ElDropdownItem,
  ElDropdownMenu,
  ElEmpty,
  ElForm,
  ElFormItem,
  ElHeader,
  ElIcon,
  ElInput,
  ElInputNumber,
  ElMain,
  ElMenu,
  ElMenuItem,
  ElOption,
  ElPopover,
  ElRadio,
  ElRadioButton,
  ElRadioGroup,
  ElRate,
  ElResult,
  ElSelect,
  ElSkeleton,
  ElSubMenu,
  ElSwitch,
  ElTable,
  ElTableColumn,
  ElTag,
  ElTimeline,
  ElTimelineItem,
  ElTooltip,
  ElTabs,
  ElTabPane,
  ElDrawer,
  ElCollapse,
  ElCollapseItem,
  ElDivider,
  ElScrollbar,
  ElSpace,
  ElText,
  ElLink,
  ElRow,
  ElCol,
  ElSegmented,
  ElSlider,
  ElTimePicker,
  ElTimeSelect,
  ElCalendar,
  ElButtonGroup,
  ElAutocomplete,
  ElPopconfirm,
  ElSplitter,
  ElSplitterPanel,
  ElProgress,
  ElUpload,
  ElTree,
  ElCheckTag,
  ElInputTag,
  ElColorPicker,
  ElStatistic,
  ElSteps,
  ElStep,
  ElBreadcrumb,
  ElBreadcrumbItem,
  ElOptionGroup,
  ElMention,
  vLoading,
} from 'element-plus';

import 'element-plus/es/components/alert/style/css';
import 'element-plus/es/components/aside/style/css';
import 'element-plus/es/components/avatar/style/css';
import 'element-plus/es/components/badge/style/css';
import 'element-plus/es/components/button/style/css';
import 'element-plus/es/components/card/style/css';
import 'element-plus/es/components/checkbox/style/css';
import 'element-plus/es/components/checkbox-group/style/css';
import 'element-plus/es/components/config-provider/style/css';
import 'element-plus/es/components/container/style/css';
import 'element-plus/es/components/date-picker/style/css';
import 'element-plus/es/components/descriptions/style/css';
import 'element-plus/es/components/descriptions-item/style/css';
import 'element-plus/es/components/dialog/style/css';
import 'element-plus/es/components/dropdown/style/css';
import 'element-plus/es/components/dropdown-item/style/css';
import 'element-plus/es/components/dropdown-menu/style/css';
import 'element-plus/es/components/empty/style/css';
import 'element-plus/es/components/form/style/css';
import 'element-plus/es/components/form-item/style/css';
import 'element-plus/es/components/header/style/css';
import 'element-plus/es/components/icon/style/css';
import 'element-plus/es/components/input/style/css';
import 'element-plus/es/components/input-number/style/css';
import 'element-plus/es/components/loading/style/css';
import 'element-plus/es/components/main/style/css';
import 'element-plus/es/components/menu/style/css';
import 'element-plus/es/components/menu-item/style/css';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import 'element-plus/es/components/option/style/css';
import 'element-plus/es/components/popover/style/css';
import 'element-plus/es/components/radio/style/css';
import 'element-plus/es/components/radio-button/style/css';
import 'element-plus/es/components/radio-group/style/css';
import 'element-plus/es/components/rate/style/css';
import 'element-plus/es/components/result/style/css';
import 'element-plus/es/components/select/style/css';
import 'element-plus/es/components/skeleton/style/css';
import 'element-plus/es/components/sub-menu/style/css';
import 'element-plus/es/components/switch/style/css';
import 'element-plus/es/components/table/style/css';
import 'element-plus/es/components/table-column/style/css';
import 'element-plus/es/components/tag/style/css';
import 'element-plus/es/components/timeline/style/css';
import 'element-plus/es/components/timeline-item/style/css';
import 'element-plus/es/components/tooltip/style/css';
import 'element-plus/es/components/option-group/style/css';
import 'element-plus/es/components/mention/style/css';
import 'element-plus/es/components/breadcrumb-item/style/css';
import 'element-plus/es/components/breadcrumb/style/css';
import 'element-plus/es/components/step/style/css';
import 'element-plus/es/components/steps/style/css';
import 'element-plus/es/components/statistic/style/css';
import 'element-plus/es/components/color-picker/style/css';
import 'element-plus/es/components/input-tag/style/css';
import 'element-plus/es/components/check-tag/style/css';
import 'element-plus/es/components/tree/style/css';
import 'element-plus/es/components/upload/style/css';
import 'element-plus/es/components/progress/style/css';
import 'element-plus/es/components/splitter-panel/style/css';
import 'element-plus/es/components/splitter/style/css';
import 'element-plus/es/components/popconfirm/style/css';
import 'element-plus/es/components/autocomplete/style/css';
import 'element-plus/es/components/button-group/style/css';
import 'element-plus/es/components/calendar/style/css';
import 'element-plus/es/components/time-select/style/css';
import 'element-plus/es/components/time-picker/style/css';
import 'element-plus/es/components/slider/style/css';
import 'element-plus/es/components/segmented/style/css';
import 'element-plus/es/components/col/style/css';
import 'element-plus/es/components/row/style/css';
import 'element-plus/es/components/link/style/css';
import 'element-plus/es/components/text/style/css';
import 'element-plus/es/components/space/style/css';
import 'element-plus/es/components/scrollbar/style/css';
import 'element-plus/es/components/divider/style/css';
import 'element-plus/es/components/collapse-item/style/css';
import 'element-plus/es/components/collapse/style/css';
import 'element-plus/es/components/drawer/style/css';
import 'element-plus/es/components/tab-pane/style/css';
import 'element-plus/es/components/tabs/style/css';

declare module 'vue' {
  // Written out, not derived from the map below: the components' own types refer back to this interface.
  export interface GlobalComponents {
    ElAlert: typeof ElAlert;
    ElAside: typeof ElAside;
    ElAvatar: typeof ElAvatar;
    ElBadge: typeof ElBadge;
    ElButton: typeof ElButton;
    ElCard: typeof ElCard;
    ElCheckbox: typeof ElCheckbox;
    ElCheckboxGroup: typeof ElCheckboxGroup;
    ElConfigProvider: typeof ElConfigProvider;
    ElContainer: typeof ElContainer;
    ElDatePicker: typeof ElDatePicker;
    ElDescriptions: typeof ElDescriptions;
    ElDescriptionsItem: typeof ElDescriptionsItem;
    ElDialog: typeof ElDialog;
    ElDropdown: typeof ElDropdown;
    ElDropdownItem: typeof ElDropdownItem;
    ElDropdownMenu: typeof ElDropdownMenu;
    ElEmpty: typeof ElEmpty;
    ElForm: typeof ElForm;
    ElFormItem: typeof ElFormItem;
    ElHeader: typeof ElHeader;
    ElIcon: typeof ElIcon;
    ElInput: typeof ElInput;
    ElInputNumber: typeof ElInputNumber;
    ElMain: typeof ElMain;
    ElMenu: typeof ElMenu;
    ElMenuItem: typeof ElMenuItem;
    ElOption: typeof ElOption;
    ElPopover: typeof ElPopover;
    ElRadio: typeof ElRadio;
    ElRadioButton: typeof ElRadioButton;
    ElRadioGroup: typeof ElRadioGroup;
    ElRate: typeof ElRate;
    ElResult: typeof ElResult;
    ElSelect: typeof ElSelect;
    ElSkeleton: typeof ElSkeleton;
    ElSubMenu: typeof ElSubMenu;
    ElSwitch: typeof ElSwitch;
    ElTable: typeof ElTable;
    ElTableColumn: typeof ElTableColumn;
    ElTag: typeof ElTag;
    ElTimeline: typeof ElTimeline;
    ElTimelineItem: typeof ElTimelineItem;
    ElTooltip: typeof ElTooltip;
    ElTabs: typeof ElTabs;
    ElTabPane: typeof ElTabPane;
    ElDrawer: typeof ElDrawer;
    ElCollapse: typeof ElCollapse;
    ElCollapseItem: typeof ElCollapseItem;
    ElDivider: typeof ElDivider;
    ElScrollbar: typeof ElScrollbar;
    ElSpace: typeof ElSpace;
    ElText: typeof ElText;
    ElLink: typeof ElLink;
    ElRow: typeof ElRow;
    ElCol: typeof ElCol;
    ElSegmented: typeof ElSegmented;
    ElSlider: typeof ElSlider;
    ElTimePicker: typeof ElTimePicker;
    ElTimeSelect: typeof ElTimeSelect;
    ElCalendar: typeof ElCalendar;
    ElButtonGroup: typeof ElButtonGroup;
    ElAutocomplete: typeof ElAutocomplete;
    ElPopconfirm: typeof ElPopconfirm;
    ElSplitter: typeof ElSplitter;
    ElSplitterPanel: typeof ElSplitterPanel;
    ElProgress: typeof ElProgress;
    ElUpload: typeof ElUpload;
    ElTree: typeof ElTree;
    ElCheckTag: typeof ElCheckTag;
    ElInputTag: typeof ElInputTag;
    ElColorPicker: typeof ElColorPicker;
    ElStatistic: typeof ElStatistic;
    ElSteps: typeof ElSteps;
    ElStep: typeof ElStep;
    ElBreadcrumb: typeof ElBreadcrumb;
    ElBreadcrumbItem: typeof ElBreadcrumbItem;
    ElOptionGroup: typeof ElOptionGroup;
    ElMention: typeof ElMention;
  }
  export interface GlobalDirectives {
    vLoading: typeof vLoading;
  }
}

type RegisteredName = Extract<keyof GlobalComponents, `El${string}`>;

/** Typed against the declaration above, so the two lists cannot drift apart. */
const components: { [Name in RegisteredName]: GlobalComponents[Name] } = {
  ElAlert,
  ElAside,
  ElAvatar,
  ElBadge,
  ElButton,
  ElCard,
  ElCheckbox,
  ElCheckboxGroup,
  ElConfigProvider,
  ElContainer,
  ElDatePicker,
  ElDescriptions,
  ElDescriptionsItem,
  ElDialog,
  ElDropdown,
  ElDropdownItem,
  ElDropdownMenu,
  ElEmpty,
  ElForm,
  ElFormItem,
  ElHeader,
  ElIcon,
  ElInput,
  ElInputNumber,
  ElMain,
  ElMenu,
  ElMenuItem,
  ElOption,
  ElPopover,
  ElRadio,
  ElRadioButton,
  ElRadioGroup,
  ElRate,
  ElResult,
  ElSelect,
  ElSkeleton,
  ElSubMenu,
  ElSwitch,
  ElTable,
  ElTableColumn,
  ElTag,
  ElTimeline,
  ElTimelineItem,
  ElTooltip,
  ElTabs,
  ElTabPane,
  ElDrawer,
  ElCollapse,
  ElCollapseItem,
  ElDivider,
  ElScrollbar,
  ElSpace,
  ElText,
  ElLink,
  ElRow,
  ElCol,
  ElSegmented,
  ElSlider,
  ElTimePicker,
  ElTimeSelect,
  ElCalendar,
  ElButtonGroup,
  ElAutocomplete,
  ElPopconfirm,
  ElSplitter,
  ElSplitterPanel,
  ElProgress,
  ElUpload,
  ElTree,
  ElCheckTag,
  ElInputTag,
  ElColorPicker,
  ElStatistic,
  ElSteps,
  ElStep,
  ElBreadcrumb,
  ElBreadcrumbItem,
  ElOptionGroup,
  ElMention,
};

export const elementPlusModule = {
  install(app: App): void {
    for (const [name, component] of Object.entries(components)) app.component(name, component);
    app.directive('loading', vLoading);
  },
};
