import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { BarList, fromBreakdown, niceMax, TimeSeriesChart } from './Chart';

describe('niceMax', () => {
  it('rounds up to a readable step', () => {
    expect(niceMax(0)).toEqual({ max: 1, step: 0.25 });
    expect(niceMax(7)).toEqual({ max: 8, step: 2 });
    expect(niceMax(93)).toEqual({ max: 100, step: 25 });
    expect(niceMax(1234)).toEqual({ max: 1500, step: 500 });
  });
});

describe('fromBreakdown', () => {
  it('turns the API breakdown into time-sorted series and drops bad keys', () => {
    const s = fromBreakdown(
      [{ label: 'AWS.CloudTrail', breakdown: { '2026-12-07T11:00:00Z': 5, '2026-12-07T10:00:00Z': 2, 'garbage': 9 } }],
      { 'AWS.CloudTrail': '#123456' },
    );
    expect(s).toEqual([
      { label: 'AWS.CloudTrail', color: '#123456', points: [{ t: Date.parse('2026-12-07T10:00:00Z'), v: 2 }, { t: Date.parse('2026-12-07T11:00:00Z'), v: 5 }] },
    ]);
    expect(fromBreakdown(null)).toEqual([]);
  });
});

describe('TimeSeriesChart', () => {
  const t0 = Date.parse('2026-12-07T10:00:00Z');
  const series = [
    { label: 'HIGH', points: [{ t: t0, v: 3 }, { t: t0 + 3600e3, v: 1 }] },
    // LOW has no value in the first bucket: it counts as 0 there.
    { label: 'LOW', points: [{ t: t0 + 3600e3, v: 4 }] },
  ];

  it('sums the series in its accessible name and legend', () => {
    render(<TimeSeriesChart title="Alerts by severity" series={series} stacked />);
    const chart = screen.getByRole('img', { name: /Alerts by severity: 8 in total over 2 intervals/ });
    expect(chart).toBeTruthy();
    const legend = chart.closest('figure')!.querySelector('figcaption')!;
    expect(legend.textContent).toContain('HIGH 4');
    expect(legend.textContent).toContain('LOW 4');
  });

  it('reads each interval with the arrow keys, stacked or not', () => {
    render(<TimeSeriesChart title="Alerts" series={series} stacked />);
    const chart = screen.getByRole('img');
    expect(document.querySelector('.chart-tip')).toBeNull();
    fireEvent.keyDown(chart, { key: 'ArrowRight' });
    let tip = document.querySelector('.chart-tip')!;
    expect(tip.textContent).toContain('HIGH: 3');
    expect(tip.textContent).toContain('LOW: 0');
    fireEvent.keyDown(chart, { key: 'ArrowRight' });
    tip = document.querySelector('.chart-tip')!;
    // The read-out shows each series' own value, not the stacked sum.
    expect(tip.textContent).toContain('HIGH: 1');
    expect(tip.textContent).toContain('LOW: 4');
    fireEvent.keyDown(chart, { key: 'ArrowRight' }); // stays on the last interval
    expect(document.querySelector('.chart-tip')!.textContent).toContain('LOW: 4');
    fireEvent.keyDown(chart, { key: 'Escape' });
    expect(document.querySelector('.chart-tip')).toBeNull();
  });

  it('scales the y axis to the stacked total', () => {
    const { container, rerender } = render(<TimeSeriesChart title="A" series={series} stacked />);
    const labels = () => [...container.querySelectorAll('text.axis')].map((t) => t.textContent);
    expect(labels()).toContain('6'); // stacked max 5 -> axis to 6 in steps of 2
    rerender(<TimeSeriesChart title="A" series={series} />);
    expect(labels()).toContain('4');
    expect(labels()).not.toContain('6');
  });

  it('draws nothing to read when there is no data', () => {
    render(<TimeSeriesChart title="Events" series={[]} />);
    expect(screen.getByRole('img', { name: /0 in total over 0 intervals/ })).toBeTruthy();
    fireEvent.keyDown(screen.getByRole('img'), { key: 'ArrowRight' });
    expect(document.querySelector('.chart-tip')).toBeNull();
  });
});

describe('BarList', () => {
  it('ranks bars relative to the largest value and links them', () => {
    render(<BarList label="Top" items={[{ label: 'Rule.A', value: 10, href: '/alerts?detection=Rule.A' }, { label: 'Rule.B', value: 5 }]} />);
    const fills = [...document.querySelectorAll<HTMLElement>('.bar-fill')].map((f) => f.style.width);
    expect(fills).toEqual(['100%', '50%']);
    expect(screen.getByRole('link', { name: 'Rule.A' }).getAttribute('href')).toBe('/alerts?detection=Rule.A');
    expect(screen.queryByRole('link', { name: 'Rule.B' })).toBeNull();
  });
});
