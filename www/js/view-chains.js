// placeholder, replaced below
import { el } from './dom.js';
import { writeHash } from './state.js';
let root;
export default {
  title: 'VDI chains',
  mount(section, app) {
    root = section.querySelector('#chains-view');
    if (typeof app.doctor.checkVdiChains !== 'function') root.append(el('p', { class: 'notice', text: 'not available' }));
  },
  enter() { writeHash('chains', {}); },
};
