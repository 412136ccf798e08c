// The colour theme: follow the system, or the user's choice (kept in
// localStorage, so per server: the Prometheus and Alertmanager pages share
// it where one origin serves both). index.html and alertmanager.html apply
// the stored choice before the first paint.

const THEMES = ['auto', 'light', 'dark'];
const KEY = 'sonde.theme';

// localStorage throws where the browser keeps no site data (e.g. Firefox
// with cookies blocked): the choice then lasts as long as the page.
let unsaved = 'auto';

function stored() {
  try {
    const theme = localStorage.getItem(KEY);
    return THEMES.includes(theme) ? theme : 'auto';
  } catch {
    return unsaved;
  }
}

function store(theme) {
  unsaved = theme;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // Not kept: see above.
  }
}

function apply(theme, button) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  button.textContent = `theme: ${theme}`;
}

// Makes `button` cycle auto → light → dark, and applies the stored choice.
export function themeButton(button) {
  button.addEventListener('click', () => {
    const next = THEMES[(THEMES.indexOf(stored()) + 1) % THEMES.length];
    store(next);
    apply(next, button);
  });
  apply(stored(), button);
}
