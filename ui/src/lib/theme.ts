// Light or dark: the system's preference by default, or what staff chose, remembered in
// localStorage. The choice is an attribute on <html> that app.css keys its colours on, so it
// applies before any screen is drawn (main.ts calls applyTheme first).

export type Theme = 'auto' | 'light' | 'dark';

export const THEME_KEY = 'rangedesk-theme';
const ORDER: readonly Theme[] = ['auto', 'light', 'dark'];

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    // A browser that refuses storage (private mode, policy) still gets the system's theme.
    return null;
  }
}

/** The remembered choice; `auto` when none or when storage is unavailable. */
export function savedTheme(): Theme {
  const v = storage()?.getItem(THEME_KEY);
  return v === 'light' || v === 'dark' ? v : 'auto';
}

/** Applies `theme` to the page and remembers it. */
export function applyTheme(theme: Theme = savedTheme()): Theme {
  const root = document.documentElement;
  if (theme === 'auto') root.removeAttribute('data-theme');
  else root.setAttribute('data-theme', theme);
  try {
    if (theme === 'auto') storage()?.removeItem(THEME_KEY);
    else storage()?.setItem(THEME_KEY, theme);
  } catch {
    // Full or refused storage: the choice lasts until the page reloads.
  }
  return theme;
}

/** The next choice in the toggle's cycle: auto → light → dark → auto. */
export function nextTheme(theme: Theme): Theme {
  return ORDER[(ORDER.indexOf(theme) + 1) % ORDER.length];
}

export const THEME_WORDS: Record<Theme, string> = { auto: 'Auto', light: 'Light', dark: 'Dark' };
