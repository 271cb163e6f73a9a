import {
  teamsDarkTheme,
  teamsHighContrastTheme,
  teamsLightTheme,
  type Theme,
} from '@fluentui/react-components';
import { createContext } from 'react';

export type ThemeName = 'light' | 'dark' | 'contrast';

/** For the few parts (charts) that pick colours themselves instead of through Fluent's tokens. */
export const ThemeNameContext = createContext<ThemeName>('light');

export const FLUENT_THEMES: Record<ThemeName, Theme> = {
  light: teamsLightTheme,
  dark: teamsDarkTheme,
  contrast: teamsHighContrastTheme,
};

/** Teams names its themes default / dark / contrast. */
export function fromTeamsTheme(theme: string | undefined): ThemeName {
  return theme === 'dark' ? 'dark' : theme === 'contrast' ? 'contrast' : 'light';
}

const DARK = '(prefers-color-scheme: dark)';
const FORCED = '(forced-colors: active)';

/**
 * In a browser: `?theme=light|dark|contrast` wins (tests and links use it), then the system's forced
 * colours (Windows high contrast), then its dark/light preference.
 */
export function browserTheme(): ThemeName {
  const asked = new URLSearchParams(window.location.search).get('theme');
  if (asked === 'light' || asked === 'dark' || asked === 'contrast') return asked;
  if (window.matchMedia(FORCED).matches) return 'contrast';
  return window.matchMedia(DARK).matches ? 'dark' : 'light';
}

export function watchBrowserTheme(listener: (theme: ThemeName) => void): () => void {
  const queries = [window.matchMedia(DARK), window.matchMedia(FORCED)];
  const changed = () => listener(browserTheme());
  queries.forEach((q) => q.addEventListener('change', changed));
  return () => queries.forEach((q) => q.removeEventListener('change', changed));
}
