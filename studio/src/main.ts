import { createApp } from 'vue';
import App from './App.vue';
import { applyLocale } from './composables/useLocale';
import { elementPlusModule } from './modules/element-plus';
import { i18n, i18nModule } from './modules/i18n';
import { piniaModule } from './modules/pinia';
import { routerModule } from './modules/router';
import './styles/main.css';

applyLocale(i18n.global.locale.value);

createApp(App).use(piniaModule).use(i18nModule).use(elementPlusModule).use(routerModule).mount('#app');
