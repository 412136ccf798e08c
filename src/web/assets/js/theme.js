// The colour theme: follow the system, or the user's choice (kept in
// localStorage, shared by the Prometheus and Alertmanager pages).

const THEMES = ['auto', 'light', 'dark'];
const KEY = 'sonde.theme';

function apply(theme, button) {
  if (theme === 'auto') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  button.textContent = `theme: ${theme}`;
}

// Makes `button` cycle auto → light → dark, and applies the stored choice.
export function themeButton(button) {
  button.addEventListener('click', () => {
    const next = THEMES[(THEMES.indexOf(localStorage.getItem(KEY) || 'auto') + 1) % THEMES.length];
    localStorage.setItem(KEY, next);
    apply(next, button);
  });
  apply(localStorage.getItem(KEY) || 'auto', button);
}
