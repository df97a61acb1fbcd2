import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Chart } from '../../components/chart';
import { useFormat } from '../../format/format';
import type { RegionRow } from './listening.api';

/**
 * China's 34 provincial divisions as a tile grid: each a square at its rough place on the map (north-east top right,
 * Xinjiang and Tibet far left, Hainan and the SARs at the bottom). No map geometry is shipped; ECharts draws the
 * squares as a heatmap on a category grid.
 */
export const CHINA_TILES: ReadonlyArray<{ zh: string; en: string; code: string; col: number; row: number }> = [
  { zh: '黑龙江', en: 'Heilongjiang', code: 'HL', col: 6, row: 0 },
  { zh: '内蒙古', en: 'Inner Mongolia', code: 'NM', col: 3, row: 1 },
  { zh: '北京', en: 'Beijing', code: 'BJ', col: 4, row: 1 },
  { zh: '辽宁', en: 'Liaoning', code: 'LN', col: 5, row: 1 },
  { zh: '吉林', en: 'Jilin', code: 'JL', col: 6, row: 1 },
  { zh: '新疆', en: 'Xinjiang', code: 'XJ', col: 0, row: 2 },
  { zh: '甘肃', en: 'Gansu', code: 'GS', col: 1, row: 2 },
  { zh: '宁夏', en: 'Ningxia', code: 'NX', col: 2, row: 2 },
  { zh: '山西', en: 'Shanxi', code: 'SX', col: 3, row: 2 },
  { zh: '河北', en: 'Hebei', code: 'HE', col: 4, row: 2 },
  { zh: '天津', en: 'Tianjin', code: 'TJ', col: 5, row: 2 },
  { zh: '青海', en: 'Qinghai', code: 'QH', col: 1, row: 3 },
  { zh: '陕西', en: 'Shaanxi', code: 'SN', col: 2, row: 3 },
  { zh: '河南', en: 'Henan', code: 'HA', col: 3, row: 3 },
  { zh: '山东', en: 'Shandong', code: 'SD', col: 4, row: 3 },
  { zh: '西藏', en: 'Tibet', code: 'XZ', col: 0, row: 4 },
  { zh: '四川', en: 'Sichuan', code: 'SC', col: 1, row: 4 },
  { zh: '重庆', en: 'Chongqing', code: 'CQ', col: 2, row: 4 },
  { zh: '湖北', en: 'Hubei', code: 'HB', col: 3, row: 4 },
  { zh: '安徽', en: 'Anhui', code: 'AH', col: 4, row: 4 },
  { zh: '江苏', en: 'Jiangsu', code: 'JS', col: 5, row: 4 },
  { zh: '上海', en: 'Shanghai', code: 'SH', col: 6, row: 4 },
  { zh: '云南', en: 'Yunnan', code: 'YN', col: 1, row: 5 },
  { zh: '贵州', en: 'Guizhou', code: 'GZ', col: 2, row: 5 },
  { zh: '湖南', en: 'Hunan', code: 'HN', col: 3, row: 5 },
  { zh: '江西', en: 'Jiangxi', code: 'JX', col: 4, row: 5 },
  { zh: '浙江', en: 'Zhejiang', code: 'ZJ', col: 5, row: 5 },
  { zh: '广西', en: 'Guangxi', code: 'GX', col: 2, row: 6 },
  { zh: '广东', en: 'Guangdong', code: 'GD', col: 3, row: 6 },
  { zh: '福建', en: 'Fujian', code: 'FJ', col: 4, row: 6 },
  { zh: '台湾', en: 'Taiwan', code: 'TW', col: 5, row: 6 },
  { zh: '海南', en: 'Hainan', code: 'HI', col: 2, row: 7 },
  { zh: '澳门', en: 'Macau', code: 'MO', col: 3, row: 7 },
  { zh: '香港', en: 'Hong Kong', code: 'HK', col: 4, row: 7 },
];

/** The provinces' short Chinese names, north to south: the region filter's choices. */
export const CHINA_REGIONS: readonly string[] = CHINA_TILES.map((x) => x.zh);

const COLS = 7;
const ROWS = 8;
const CELL = 44;

/** The tile a region names: 广东, 广东省, 广西壮族自治区, Guangdong (case-insensitive) all find theirs. */
export function tileOf(region: string) {
  const r = region.trim();
  return CHINA_TILES.find((x) => r.startsWith(x.zh) || r.toLowerCase() === x.en.toLowerCase());
}

/** A province's name in the console's language. */
export function useRegionName() {
  const { i18n } = useTranslation();
  const zh = i18n.language.startsWith('zh');
  return (region: string) => {
    const tile = tileOf(region);
    return tile ? (zh ? tile.zh : tile.en) : region;
  };
}

type Measure = 'negativeShare' | 'mentions';

/**
 * The region map: each province coloured by its negative share (or by mentions), its numbers in the tooltip; regions
 * outside the grid (abroad, unknown) are listed under it. A click on a tile hands its region up.
 */
export function RegionTileMap({ rows, onPick }: { rows: RegionRow[]; onPick?: (region: string) => void }) {
  const { t, i18n } = useTranslation();
  const f = useFormat();
  const [measure, setMeasure] = useState<Measure>('negativeShare');
  const zh = i18n.language.startsWith('zh');
  const byTile = useMemo(() => {
    const m = new Map<string, RegionRow>();
    for (const r of rows) {
      const tile = tileOf(r.region);
      if (!tile) continue;
      const had = m.get(tile.zh);
      // 广东 and 广东省 are one province: their counts add up.
      const mentions = (had?.mentions ?? 0) + r.mentions;
      const negatives = (had?.negatives ?? 0) + r.negatives;
      m.set(tile.zh, { region: tile.zh, mentions, negatives, negativeShare: mentions ? negatives / mentions : null });
    }
    return m;
  }, [rows]);
  const elsewhere = rows.filter((r) => !tileOf(r.region));

  const option = useMemo(() => {
    const withData = CHINA_TILES.filter((x) => (byTile.get(x.zh)?.mentions ?? 0) > 0);
    const empty = CHINA_TILES.filter((x) => !((byTile.get(x.zh)?.mentions ?? 0) > 0));
    const valueOf = (x: (typeof CHINA_TILES)[number]) => {
      const r = byTile.get(x.zh)!;
      return measure === 'mentions' ? r.mentions : Math.round((r.negativeShare ?? 0) * 1000) / 10;
    };
    const max = Math.max(1, ...withData.map(valueOf));
    const label = (x: (typeof CHINA_TILES)[number]) => (zh ? x.zh : x.code);
    const tip = (name: string) => {
      const tile = CHINA_TILES.find((x) => x.zh === name)!;
      const r = byTile.get(name);
      const title = zh ? tile.zh : tile.en;
      if (!r) return `<b>${title}</b><br/>${t('listening.map.none')}`;
      return `<b>${title}</b><br/>${t('listening.map.mentions')}: ${f.number(r.mentions)}<br/>${t('listening.map.negatives')}: ${f.number(r.negatives)}<br/>${t('listening.map.negativeShare')}: ${f.percent(r.negativeShare)}`;
    };
    const cells = (list: typeof CHINA_TILES, value: (x: (typeof CHINA_TILES)[number]) => number) =>
      list.map((x) => ({ name: x.zh, value: [x.col, ROWS - 1 - x.row, value(x)], label: { formatter: label(x) } }));
    const axis = (n: number) => ({ type: 'category', data: Array.from({ length: n }, (_, i) => i), show: false, splitArea: { show: false } });
    return {
      tooltip: { formatter: (p: { name: string }) => tip(p.name) },
      grid: { top: 8, left: 'center', width: COLS * CELL, height: ROWS * CELL },
      xAxis: axis(COLS),
      yAxis: axis(ROWS),
      visualMap: {
        seriesIndex: 1,
        min: 0,
        max: measure === 'mentions' ? max : Math.max(10, Math.ceil(max / 10) * 10),
        calculable: false,
        orient: 'vertical',
        right: 8,
        bottom: 16,
        itemHeight: 120,
        text: measure === 'mentions' ? [f.number(max), '0'] : [`${Math.max(10, Math.ceil(max / 10) * 10)}%`, '0%'],
        inRange: { color: measure === 'mentions' ? ['#d5efec', '#0f766e'] : ['#fde7c8', '#f59e0b', '#c0362c'] },
      },
      series: [
        {
          type: 'heatmap',
          data: cells(empty, () => 0),
          itemStyle: { color: '#eef1f4', borderColor: '#fff', borderWidth: 3, borderRadius: 6 },
          label: { show: true, color: '#94a3b8', fontSize: 11 },
          emphasis: { itemStyle: { borderColor: '#cfd6de' } },
        },
        {
          type: 'heatmap',
          data: cells(withData, valueOf),
          itemStyle: { borderColor: '#fff', borderWidth: 3, borderRadius: 6 },
          label: { show: true, color: '#17212b', fontSize: 11, fontWeight: 600 },
          emphasis: { itemStyle: { borderColor: '#17212b', borderWidth: 2 } },
        },
      ],
    };
  }, [byTile, measure, zh, t, f]);

  return (
    <div className="ls-map" data-testid="region-map">
      <div className="segmented ls-map-measure" role="group" aria-label={t('listening.map.measure')}>
        {(['negativeShare', 'mentions'] as const).map((m) => (
          <button key={m} type="button" className={measure === m ? 'active' : ''} aria-pressed={measure === m} onClick={() => setMeasure(m)}>
            {t(`listening.map.by.${m}`)}
          </button>
        ))}
      </div>
      <Chart option={option} height={ROWS * CELL + 24} label={t('listening.map.label')} onClick={onPick ? (hit) => onPick(hit.name) : undefined} />
      {elsewhere.length ? (
        <div className="muted small ls-map-else">
          {t('listening.map.elsewhere')}: {elsewhere.map((r) => `${r.region} ${f.number(r.mentions)}`).join(' · ')}
        </div>
      ) : null}
    </div>
  );
}
