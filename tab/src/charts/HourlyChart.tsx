import {
  DataVizPalette,
  getColorFromToken,
  VerticalStackedBarChart,
  withResponsiveContainer,
  type VerticalStackedChartProps,
} from '@fluentui/react-charts';
import {
  makeStyles,
  tokens,
  Caption1,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
} from '@fluentui/react-components';
import { useContext, useMemo } from 'react';
import { ThemeNameContext } from '../theme/theme-name.js';
import { TimeZoneContext } from '../time/time-zone.js';
import { dayTicks } from './day-ticks.js';

const ResponsiveStackedBars = withResponsiveContainer(VerticalStackedBarChart);

export interface ChartSeries {
  key: string;
  legend: string;
  /** Stacked bars, or a line drawn over them (errors over items). */
  kind: 'bar' | 'line';
}

export interface HourlyValues {
  hour: string;
  values: Record<string, number>;
}

const COLORS = [DataVizPalette.color1, DataVizPalette.color2, DataVizPalette.color3];
/** A bar per hour: 168 of them must fit a narrow pane and still be visible. */
const BAR_WIDTH = 4;

const useStyles = makeStyles({
  figure: { margin: 0, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS, minWidth: 0 },
  chart: { height: '240px', width: '100%' },
  table: { maxHeight: '240px', overflowY: 'auto' },
});

/** An hour as the user reads it, in their zone and naming it ("Sun 14:00 CET"). */
function hourLabel(iso: string, timeZone: string): string {
  return new Date(iso).toLocaleString(undefined, {
    weekday: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  });
}

/**
 * Seven days of hourly counts. The chart is for the eye; the caption gives the totals in words and the
 * table behind "Show the numbers" gives every busy hour, so keyboard and screen-reader users get the
 * same facts.
 */
export function HourlyChart(props: { title: string; series: ChartSeries[]; points: HourlyValues[] }) {
  const styles = useStyles();
  // The palette has light and dark variants; the chart is told which one the page is showing.
  const dark = useContext(ThemeNameContext) === 'dark';
  const timeZone = useContext(TimeZoneContext);
  const ticks = useMemo(
    () =>
      dayTicks(
        props.points.map((p) => p.hour),
        timeZone,
      ),
    [props.points, timeZone],
  );
  const data = useMemo<VerticalStackedChartProps[]>(
    () =>
      props.points.map((p) => ({
        xAxisPoint: new Date(p.hour),
        xAxisCalloutData: hourLabel(p.hour, timeZone),
        chartData: props.series
          .filter((s) => s.kind === 'bar')
          .map((s, i) => ({
            legend: s.legend,
            data: p.values[s.key] ?? 0,
            color: getColorFromToken(COLORS[i % COLORS.length] ?? DataVizPalette.color1, dark),
          })),
        lineData: props.series
          .filter((s) => s.kind === 'line')
          .map((s) => ({
            legend: s.legend,
            y: p.values[s.key] ?? 0,
            color: getColorFromToken(DataVizPalette.error, dark),
          })),
      })),
    [props.points, props.series, dark, timeZone],
  );
  const totals = props.series.map((s) => ({
    legend: s.legend,
    total: props.points.reduce((n, p) => n + (p.values[s.key] ?? 0), 0),
  }));
  const busy = props.points.filter((p) => props.series.some((s) => (p.values[s.key] ?? 0) > 0));
  const summary = `Last 7 days: ${totals.map((t) => `${t.total} ${t.legend.toLowerCase()}`).join(', ')}.`;

  return (
    <figure className={styles.figure} aria-label={props.title}>
      <figcaption>
        <Caption1>{summary}</Caption1>
      </figcaption>
      <div className={styles.chart}>
        <ResponsiveStackedBars
          chartTitle={props.title}
          data={data}
          barWidth={BAR_WIDTH}
          hideLabels
          tickValues={ticks.values}
          customDateTimeFormatter={(d) =>
            ticks.labels[ticks.values.findIndex((v) => v.getTime() === d.getTime())] ?? ''
          }
          margins={{ top: 16, bottom: 32, left: 40, right: 16 }}
        />
      </div>
      <details>
        <summary>Show the numbers</summary>
        {busy.length === 0 ? (
          <Caption1>Nothing in the last 7 days.</Caption1>
        ) : (
          <div className={styles.table}>
            <Table size="small" aria-label={`${props.title}, hours with activity`}>
              <TableHeader>
                <TableRow>
                  <TableHeaderCell>Hour</TableHeaderCell>
                  {props.series.map((s) => (
                    <TableHeaderCell key={s.key}>{s.legend}</TableHeaderCell>
                  ))}
                </TableRow>
              </TableHeader>
              <TableBody>
                {busy.map((p) => (
                  <TableRow key={p.hour}>
                    <TableCell>{hourLabel(p.hour, timeZone)}</TableCell>
                    {props.series.map((s) => (
                      <TableCell key={s.key}>{p.values[s.key] ?? 0}</TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        )}
      </details>
    </figure>
  );
}
