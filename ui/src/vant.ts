// The Vant components the screens use, registered once, each with its own styles: not the
// whole library (`app.use(Vant)` and vant/lib/index.css put every component's code and all
// 200 KB of its CSS on the first screen's path). A screen that starts using another
// component adds it here; tests/vant.test.ts fails on a `<van-*>` tag not registered.
// The function APIs (showToast, showConfirmDialog, showImagePreview) need only their styles.
import type { App } from 'vue';
import {
  ActionSheet,
  Button,
  Cascader,
  Cell,
  CellGroup,
  Checkbox,
  Collapse,
  CollapseItem,
  ConfigProvider,
  Dialog,
  Empty,
  Field,
  Grid,
  GridItem,
  Icon,
  Image,
  Loading,
  NavBar,
  NoticeBar,
  Popup,
  Progress,
  PullRefresh,
  Radio,
  RadioGroup,
  Rate,
  Search,
  Skeleton,
  Step,
  Stepper,
  Steps,
  SubmitBar,
  Switch,
  Tab,
  Tabbar,
  TabbarItem,
  Tabs,
  Tag,
} from 'vant';
import 'vant/es/action-sheet/style/index';
import 'vant/es/button/style/index';
import 'vant/es/cascader/style/index';
import 'vant/es/cell/style/index';
import 'vant/es/cell-group/style/index';
import 'vant/es/checkbox/style/index';
import 'vant/es/collapse/style/index';
import 'vant/es/config-provider/style/index';
import 'vant/es/collapse-item/style/index';
import 'vant/es/dialog/style/index';
import 'vant/es/empty/style/index';
import 'vant/es/field/style/index';
import 'vant/es/grid/style/index';
import 'vant/es/grid-item/style/index';
import 'vant/es/icon/style/index';
import 'vant/es/image/style/index';
import 'vant/es/image-preview/style/index';
import 'vant/es/loading/style/index';
import 'vant/es/nav-bar/style/index';
import 'vant/es/notice-bar/style/index';
import 'vant/es/popup/style/index';
import 'vant/es/progress/style/index';
import 'vant/es/pull-refresh/style/index';
import 'vant/es/radio/style/index';
import 'vant/es/radio-group/style/index';
import 'vant/es/rate/style/index';
import 'vant/es/search/style/index';
import 'vant/es/skeleton/style/index';
import 'vant/es/step/style/index';
import 'vant/es/stepper/style/index';
import 'vant/es/steps/style/index';
import 'vant/es/submit-bar/style/index';
import 'vant/es/switch/style/index';
import 'vant/es/tab/style/index';
import 'vant/es/tabbar/style/index';
import 'vant/es/tabbar-item/style/index';
import 'vant/es/tabs/style/index';
import 'vant/es/tag/style/index';
import 'vant/es/toast/style/index';

/** What is registered, by Vant's component name (`van-cell-group` is CellGroup). */
export const components = {
  ActionSheet,
  Button,
  Cascader,
  Cell,
  CellGroup,
  Checkbox,
  Collapse,
  CollapseItem,
  ConfigProvider,
  Dialog,
  Empty,
  Field,
  Grid,
  GridItem,
  Icon,
  Image,
  Loading,
  NavBar,
  NoticeBar,
  Popup,
  Progress,
  PullRefresh,
  Radio,
  RadioGroup,
  Rate,
  Search,
  Skeleton,
  Step,
  Stepper,
  Steps,
  SubmitBar,
  Switch,
  Tab,
  Tabbar,
  TabbarItem,
  Tabs,
  Tag,
};

/** The plugin main.ts (and the tests' mount) installs instead of all of Vant. */
export const vant = {
  install(app: App): void {
    for (const component of Object.values(components)) app.use(component);
  },
};
