import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { TimeRangePicker } from './TimeRangePicker';
import { parseRange } from '../lib/format';

describe('TimeRangePicker', () => {
  it('sets a preset and clears an absolute range', async () => {
    const onChange = vi.fn();
    render(<TimeRangePicker range={parseRange(new URLSearchParams('range=24h'))} onChange={onChange} />);
    const select = screen.getByRole('combobox', { name: 'Time range' }) as HTMLSelectElement;
    expect(select.value).toBe('24h');
    await userEvent.selectOptions(select, '7d');
    expect(onChange).toHaveBeenCalledWith({ range: '7d', from: null, to: null });
    expect(screen.queryByLabelText('From')).toBeNull();
  });

  it('applies a custom range only when it starts before it ends', async () => {
    const onChange = vi.fn();
    render(<TimeRangePicker range={parseRange(new URLSearchParams('range=1h'))} onChange={onChange} />);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Time range' }), 'custom');
    expect(onChange).not.toHaveBeenCalled();
    const from = screen.getByLabelText('From') as HTMLInputElement;
    const to = screen.getByLabelText('To') as HTMLInputElement;
    await userEvent.clear(from);
    await userEvent.type(from, '2026-12-05T10:00');
    await userEvent.clear(to);
    await userEvent.type(to, '2026-12-04T10:00');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect(onChange).not.toHaveBeenCalled();
    await userEvent.clear(to);
    await userEvent.type(to, '2026-12-06T08:30');
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect(onChange).toHaveBeenCalledWith({ range: null, from: new Date('2026-12-05T10:00').toISOString(), to: new Date('2026-12-06T08:30').toISOString() });
  });

  it('opens on the custom fields for an absolute range from the URL', () => {
    const r = parseRange(new URLSearchParams('from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z'));
    render(<TimeRangePicker range={r} onChange={() => {}} />);
    expect((screen.getByRole('combobox', { name: 'Time range' }) as HTMLSelectElement).value).toBe('custom');
    expect((screen.getByLabelText('From') as HTMLInputElement).value).not.toBe('');
  });
});
