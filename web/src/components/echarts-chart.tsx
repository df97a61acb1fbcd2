import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, GraphChart, HeatmapChart, LineChart, PieChart, RadarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, RadarComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { ChartProps } from './chart';

// Only what the console draws: tree-shaken ECharts is a fraction of the full bundle.
echarts.use([BarChart, GraphChart, HeatmapChart, LineChart, PieChart, RadarChart, GridComponent, LegendComponent, MarkLineComponent, RadarComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

export const PALETTE = ['#0f766e', '#f59e0b', '#6366f1', '#ec4899', '#0ea5e9', '#84cc16', '#a855f7', '#64748b'];

export function EChart({ option, height = 280, label, onClick }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(onClick);
  click.current = onClick;

  useEffect(() => {
    const node = el.current!;
    const instance = echarts.init(node, undefined, { renderer: 'canvas' });
    chart.current = instance;
    instance.on('click', (p) => click.current?.({ seriesIndex: p.seriesIndex ?? 0, dataIndex: p.dataIndex, name: p.name }));
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(node);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        color: PALETTE,
        // Canvas text does not inherit CSS: hand it the page's font so CJK labels match the rest.
        textStyle: { fontFamily: getComputedStyle(el.current!).fontFamily, fontSize: 12, color: '#3d4b59' },
        animation: !matchMedia('(prefers-reduced-motion: reduce)').matches,
        animationDuration: 400,
        ...option,
      },
      { notMerge: true },
    );
  }, [option]);

  return <div ref={el} className={onClick ? 'chart chart-clickable' : 'chart'} role="img" aria-label={label} style={{ height }} />;
}
