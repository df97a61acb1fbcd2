import { lazy, Suspense } from 'react';

export interface ChartProps {
  /** An ECharts option; the console's palette and font are added. */
  option: Record<string, unknown>;
  height?: number;
  /** What the chart shows, for screen readers. */
  label: string;
  /** A click on a bar, slice or point: its series index, data index and category name. */
  onClick?: (hit: { seriesIndex: number; dataIndex: number; name: string }) => void;
}

// ECharts is the heaviest dependency: it loads with the first page that draws a chart.
const LazyChart = lazy(() => import('./echarts-chart').then((m) => ({ default: m.EChart })));

export function Chart(props: ChartProps) {
  return (
    <Suspense fallback={<div className="chart chart-loading" style={{ height: props.height ?? 280 }} />}>
      <LazyChart {...props} />
    </Suspense>
  );
}
