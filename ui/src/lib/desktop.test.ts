import { describe, expect, it } from 'vitest';
import { focusLane } from './desktop';

function board(): HTMLElement {
  const root = document.createElement('div');
  const add = (attr: string, value: string, text: string, focusable = false) => {
    const el = document.createElement('div');
    el.setAttribute(attr, value);
    el.textContent = text;
    if (focusable) el.tabIndex = 0;
    root.append(el);
  };
  add('data-lane-id', 'lane-1', 'Lane 1');
  add('data-lane-id', 'lane-"2"', 'Lane 2');
  add('data-trace-id', 'tr-9', 'purchase', true);
  add('data-help-id', '7', 'help', true);
  document.body.append(root);
  return root;
}

describe('focusLane', () => {
  it('focuses the queue item of a notification about one purchase', () => {
    const root = board();
    const el = focusLane({ lane_id: 'lane-1', help_id: null, trace_id: 'tr-9' }, root);
    expect(el?.getAttribute('data-trace-id')).toBe('tr-9');
    expect(document.activeElement).toBe(el);
  });

  it('focuses the help call, then the lane tile when there is no item', () => {
    const root = board();
    expect(focusLane({ lane_id: 'lane-1', help_id: 7, trace_id: null }, root)?.dataset.helpId).toBe('7');
    const tile = focusLane({ lane_id: 'lane-1', help_id: null, trace_id: null }, root);
    expect(tile?.dataset.laneId).toBe('lane-1');
    expect(document.activeElement).toBe(tile);
  });

  it('matches vendor ids as data, quotes and all', () => {
    const root = board();
    expect(focusLane({ lane_id: 'lane-"2"', help_id: null, trace_id: null }, root)?.textContent).toBe('Lane 2');
    expect(focusLane({ lane_id: 'gone', help_id: null, trace_id: null }, root)).toBeNull();
  });
});
