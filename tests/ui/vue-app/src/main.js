// Entry of the Vue test app (tests/ui/vue-app): mounts App.vue.
import { createApp } from 'vue';
import App from './App.vue';
import './app.css';

createApp(App).mount('#app');
