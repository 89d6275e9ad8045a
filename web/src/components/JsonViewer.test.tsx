import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { JsonViewer } from './JsonViewer';

const event = {
  eventName: 'ConsoleLogin',
  count: 2,
  readOnly: false,
  errorCode: null,
  userIdentity: { type: 'Root', sessionContext: { attributes: { mfaAuthenticated: 'false' } } },
  resources: [],
  tags: ['a', 'b'],
};

describe('JsonViewer', () => {
  it('shows scalars as JSON and collapses nodes past openDepth', () => {
    const { container } = render(<JsonViewer value={event} openDepth={2} label="Event" />);
    const text = container.textContent!;
    expect(text).toContain('"eventName": "ConsoleLogin",');
    expect(text).toContain('"count": 2,');
    expect(text).toContain('"readOnly": false,');
    expect(text).toContain('"errorCode": null,');
    expect(text).toContain('"resources": [],');
    // depth 2 (sessionContext) starts collapsed, with its size.
    const toggle = screen.getByRole('button', { name: 'Expand sessionContext' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(text).toContain('1 keys');
    expect(text).not.toContain('mfaAuthenticated');
  });

  it('expands and collapses with the keyboard', async () => {
    const { container } = render(<JsonViewer value={event} openDepth={2} />);
    const toggle = screen.getByRole('button', { name: 'Expand sessionContext' });
    toggle.focus();
    await userEvent.keyboard('{Enter}');
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('button', { name: 'Collapse sessionContext' })).toBe(toggle);
    // Its child (depth 3) is collapsed in turn.
    expect(container.textContent).toContain('"attributes": { 1 keys }');
    await userEvent.click(screen.getByRole('button', { name: 'Expand attributes' }));
    expect(container.textContent).toContain('"mfaAuthenticated": "false"');
    await userEvent.click(screen.getByRole('button', { name: 'Collapse tags' }));
    expect(container.textContent).toContain('2 items');
    expect(container.textContent).not.toContain('"a"');
  });

  it('renders a bare scalar', () => {
    const { container } = render(<JsonViewer value={'just text'} />);
    expect(container.textContent).toBe('"just text"');
  });
});
