import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import ThemeToggle from '../components/ThemeToggle.svelte';
import { applyTheme, savedTheme, THEME_KEY } from './theme';

beforeEach(() => {
  localStorage.clear();
  document.documentElement.removeAttribute('data-theme');
});
afterEach(() => cleanup());

describe('light and dark', () => {
  it('follows the system until staff choose, then remembers the choice', async () => {
    render(ThemeToggle);
    const button = screen.getByRole('button', { name: 'Colour theme: Auto' });
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
    await fireEvent.click(button);
    expect(document.documentElement.getAttribute('data-theme')).toBe('light');
    expect(localStorage.getItem(THEME_KEY)).toBe('light');
    await fireEvent.click(button);
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    expect(screen.getByRole('button', { name: 'Colour theme: Dark' })).toBe(button);
    // A restart applies the remembered choice before drawing.
    document.documentElement.removeAttribute('data-theme');
    applyTheme();
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    await fireEvent.click(button);
    expect(savedTheme()).toBe('auto');
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
  });

  it('has app.css colour the page for each choice', async () => {
    const css = (await import('../app.css?raw')).default;
    expect(css).toContain(":root[data-theme='dark']");
    expect(css).toMatch(/prefers-color-scheme: dark\)\s*\{\s*:root:not\(\[data-theme='light'\]\)/);
  });
});
