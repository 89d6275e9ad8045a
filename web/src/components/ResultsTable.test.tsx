import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ResultsTable } from './ResultsTable';

const rows = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, who: i % 2 ? null : { user: `u${i}` } }));

describe('ResultsTable', () => {
  it('shows a page of rows at a time', async () => {
    render(<ResultsTable columns={['id', 'who']} rows={rows} label="Results" />);
    const table = screen.getByRole('table', { name: 'Results' });
    // Plain selectors: role queries over hundreds of cells are slow in jsdom.
    const bodyRows = () => [...table.querySelectorAll('tbody tr')] as HTMLElement[];
    expect(bodyRows()).toHaveLength(100);
    expect(screen.getByText('Rows 1–100 of 250')).toBeTruthy();
    expect([...bodyRows()[0].querySelectorAll('td')].map((c) => c.textContent)).toEqual(['1', '{"user":"u0"}']);
    expect(bodyRows()[1].querySelectorAll('td')[1].textContent).toBe('null');
    const prev = screen.getByRole('button', { name: /Previous/ }) as HTMLButtonElement;
    const next = screen.getByRole('button', { name: /Next/ }) as HTMLButtonElement;
    expect(prev.disabled).toBe(true);
    await userEvent.click(next);
    await userEvent.click(next);
    expect(screen.getByText('Rows 201–250 of 250')).toBeTruthy();
    expect(bodyRows()).toHaveLength(50);
    expect(bodyRows()[0].querySelector('td')!.textContent).toBe('201');
    expect(next.disabled).toBe(true);
    await userEvent.click(prev);
    expect(screen.getByText('Rows 101–200 of 250')).toBeTruthy();
  });

  it('goes back to the first page when the rows change, and has no pager for one page', () => {
    const { rerender } = render(<ResultsTable columns={['id']} rows={rows} label="R" pageSize={100} />);
    screen.getByRole('button', { name: /Next/ }).click();
    rerender(<ResultsTable columns={['id']} rows={rows.slice(0, 3)} label="R" pageSize={100} />);
    expect(screen.getAllByRole('row')).toHaveLength(4);
    expect(screen.queryByRole('navigation', { name: 'Pages' })).toBeNull();
  });
});
