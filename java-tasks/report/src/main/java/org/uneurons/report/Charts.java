package org.uneurons.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.SubCategoryAxis;
import org.jfree.chart.axis.TickUnits;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.chart.renderer.category.GroupedStackedBarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.text.TextUtils;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.KeyToGroupMap;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.BoxAndWhiskerItem;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.data.xy.XYSeriesCollection;
import org.uneurons.core.io.PathIOException;

/**
 * The report's charts, drawn headless with JFreeChart, each written as PNG and as SVG: white background, light
 * grid, one colour per group (the same colour for a group in every chart), axis labels and a legend under the plot.
 */
final class Charts {
    static final int WIDTH = 560;
    static final int HEIGHT = 360;

    /** Colour-blind-safe palette (Okabe-Ito), first colour for the first group. */
    private static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0xF0E442)};

    static {
        System.setProperty("java.awt.headless", "true");
        StandardChartTheme theme = (StandardChartTheme) StandardChartTheme.createJFreeTheme();
        theme.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 17));
        theme.setLargeFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        theme.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        theme.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        theme.setChartBackgroundPaint(Color.WHITE);
        theme.setPlotBackgroundPaint(Color.WHITE);
        theme.setDomainGridlinePaint(new Color(0xDDDDDD));
        theme.setRangeGridlinePaint(new Color(0xDDDDDD));
        theme.setLegendBackgroundPaint(Color.WHITE);
        ChartFactory.setChartTheme(theme);
        // rotated labels (the value axis's) by drawString, as the others: the SVG keeps them as text, where the
        // TextLayout workaround for an old JDK bug would give glyph outlines
        TextUtils.setUseDrawRotatedStringWorkaround(false);
    }

    private Charts() {
    }

    static Color colour(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /**
     * A neuron family's colour, the same in the chart and the page: the Okabe-Ito colours for the paper's families,
     * grey for semantic (described by tokens, not a feature) and dark grey for constant; a family the report does not
     * know gets a remaining palette colour.
     */
    static Color familyColour(String family) {
        return switch (family) {
            case "alphabet" -> new Color(0xCC79A7);
            case "unigram" -> new Color(0x0072B2);
            case "position" -> new Color(0xE69F00);
            case "previous_token" -> new Color(0x009E73);
            case "syntax" -> new Color(0xD55E00);
            case "semantic" -> new Color(0xBBBBBB);
            case "constant" -> new Color(0x555555);
            default -> Math.floorMod(family.hashCode(), 2) == 0 ? new Color(0x56B4E9) : new Color(0xF0E442);
        };
    }

    /** Step-outline density histograms of one quantity, one series per group, over shared bin edges. */
    static void densities(Path png, String title, String xLabel, double[] edges, Map<String, double[]> densityByGroup) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[]> e : densityByGroup.entrySet()) {
            double[] d = e.getValue();
            XYSeries s = new XYSeries(e.getKey(), false, true);
            // A closed outline: zero before the first bin and after the last, like matplotlib's histtype='step'.
            s.add(edges[0], 0.0);
            for (int i = 0; i < d.length; i++) {
                s.add(edges[i], d[i]);
            }
            s.add(edges[edges.length - 1], 0.0);
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, "density", data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYStepRenderer r = new XYStepRenderer();
        style(r, data.getSeriesCount());
        plot.setRenderer(r);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        ((NumberAxis) plot.getDomainAxis()).setAutoRangeIncludesZero(false);
        finish(chart);
        write(png, chart);
    }

    /** Lines of y against x per group, with markers; optional vertical marker lines (e.g. the run's threshold). */
    static void lines(Path png, String title, String xLabel, String yLabel, double[] x, Map<String, double[]> yByGroup,
                      boolean percentAxis, double... markers) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[]> e : yByGroup.entrySet()) {
            XYSeries s = new XYSeries(e.getKey(), false, true);
            for (int i = 0; i < x.length; i++) {
                if (!Double.isNaN(e.getValue()[i])) {
                    s.add(x[i], e.getValue()[i]);
                }
            }
            data.addSeries(s);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        style(r, data.getSeriesCount());
        plot.setRenderer(r);
        ((NumberAxis) plot.getDomainAxis()).setAutoRangeIncludesZero(false);
        if (percentAxis) {
            percentAxis((NumberAxis) plot.getRangeAxis());
        }
        for (double m : markers) {
            plot.addDomainMarker(new ValueMarker(m, Color.GRAY, dashed()));
        }
        finish(chart);
        write(png, chart);
    }

    /**
     * One line of {@link #bands} with a shaded band [low, high] around it (low = high = y: a plain line); NaN points
     * are skipped; {@code colour} a palette index, or -1 for grey.
     */
    record Band(String name, double[] x, double[] y, double[] low, double[] high, int colour, boolean dashed) {
    }

    /** Lines with shaded bands, e.g. the mean over seeds with their min-max range, and plain lines beside them. */
    static void bands(Path png, String title, String xLabel, String yLabel, List<Band> bands) {
        bands(png, title, xLabel, yLabel, bands, false, false);
    }

    /**
     * {@link #bands} with, when {@code logX}, a log-scaled x axis (e.g. training steps from 16 to 640) and, when
     * {@code fromZero}, a y axis that starts at 0 (fractions).
     */
    static void bands(Path png, String title, String xLabel, String yLabel, List<Band> bands, boolean logX,
                      boolean fromZero) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        List<Band> drawn = new java.util.ArrayList<>();
        for (Band b : bands) {
            YIntervalSeries s = new YIntervalSeries(b.name(), false, true);
            for (int i = 0; i < b.x().length; i++) {
                if (!Double.isNaN(b.y()[i])) {
                    s.add(b.x()[i], b.y()[i], b.low()[i], b.high()[i]);
                }
            }
            if (s.getItemCount() > 0) {
                data.addSeries(s);
                drawn.add(b);
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        DeviationRenderer r = new DeviationRenderer(true, false);
        r.setAlpha(0.18f);
        for (int i = 0; i < drawn.size(); i++) {
            Band b = drawn.get(i);
            Color c = b.colour() < 0 ? new Color(0x888888) : colour(b.colour());
            r.setSeriesPaint(i, c);
            r.setSeriesFillPaint(i, c);
            r.setSeriesStroke(i, b.dashed() ? dashed() : new BasicStroke(2.0f));
            if (data.getSeries(i).getItemCount() < 2) {
                r.setSeriesShapesVisible(i, true);
            }
        }
        plot.setRenderer(r);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(fromZero);
        ((NumberAxis) plot.getDomainAxis()).setAutoRangeIncludesZero(false);
        if (logX) {
            org.jfree.chart.axis.LogAxis axis = new org.jfree.chart.axis.LogAxis(xLabel);
            axis.setBase(2);
            axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            axis.setNumberFormatOverride(new java.text.DecimalFormat("0", java.text.DecimalFormatSymbols.getInstance(Locale.ROOT)));
            plot.setDomainAxis(axis);
        } else if (bands.stream().allMatch(b -> java.util.Arrays.stream(b.x()).allMatch(x -> x == Math.rint(x)))) {
            // layers: ticks at whole numbers, not 0.1 apart for a 2-layer model
            plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        finish(chart);
        write(png, chart);
    }

    /** One curve of {@link #curves}: its own x values; NaN points are skipped. */
    record Curve(String name, double[] x, double[] y, int colour, boolean dashed) {
    }

    /** Curves such as loss against step; a curve's colour is a palette index, dashed for e.g. validation. */
    static void curves(Path png, String title, String xLabel, String yLabel, List<Curve> curves) {
        XYSeriesCollection data = new XYSeriesCollection();
        List<Curve> drawn = new java.util.ArrayList<>();
        for (Curve c : curves) {
            XYSeries s = new XYSeries(c.name(), false, true);
            for (int i = 0; i < c.x().length; i++) {
                if (!Double.isNaN(c.y()[i])) {
                    s.add(c.x()[i], c.y()[i]);
                }
            }
            if (s.getItemCount() > 0) { // an empty curve would only clutter the legend
                data.addSeries(s);
                drawn.add(c);
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < drawn.size(); i++) {
            Curve c = drawn.get(i);
            r.setSeriesPaint(i, colour(c.colour()));
            r.setSeriesStroke(i, c.dashed()
                    ? new BasicStroke(2.0f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
                    : new BasicStroke(2.0f));
            if (data.getSeries(i).getItemCount() < 2) {
                r.setSeriesShapesVisible(i, true); // a lone point (e.g. an untrained control's step-0 loss) as a marker
            }
        }
        plot.setRenderer(r);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        finish(chart);
        write(png, chart);
    }

    /**
     * Grouped bars: one bar per series (group) in each category (e.g. layer or metric); series i has palette colour
     * {@code colours[i]}. {@code rangeMax} fixes the value axis to [0, rangeMax] and {@code reference} draws a dashed
     * horizontal line; either may be null.
     */
    static void bars(Path png, String title, String categoryLabel, String valueLabel,
                     LinkedHashMap<String, LinkedHashMap<String, Double>> valuesBySeries, int[] colours,
                     boolean percentAxis, Double rangeMax, Double reference) {
        write(png, barChart(title, categoryLabel, valueLabel, valuesBySeries, colours, percentAxis, rangeMax, reference));
    }

    static JFreeChart barChart(String title, String categoryLabel, String valueLabel,
                               LinkedHashMap<String, LinkedHashMap<String, Double>> valuesBySeries, int[] colours,
                               boolean percentAxis, Double rangeMax, Double reference) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        valuesBySeries.forEach((series, byCategory) -> byCategory.forEach((cat, v) -> data.addValue(v, series, cat)));
        JFreeChart chart = ChartFactory.createBarChart(title, categoryLabel, valueLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setItemMargin(0.05);
        r.setDrawBarOutline(false);
        for (int i = 0; i < data.getRowCount(); i++) {
            r.setSeriesPaint(i, colour(colours[i]));
        }
        CategoryAxis ca = plot.getDomainAxis();
        ca.setCategoryMargin(0.2);
        NumberAxis va = (NumberAxis) plot.getRangeAxis();
        if (percentAxis) {
            percentAxis(va);
        }
        if (rangeMax != null) {
            va.setRange(0, rangeMax);
        } else {
            // bars grow from 0; all-zero data would otherwise get a range of +-1e-8 around it
            double max = valuesBySeries.values().stream().flatMap(m -> m.values().stream())
                    .filter(v -> v != null && !Double.isNaN(v)).mapToDouble(Double::doubleValue).max().orElse(0);
            va.setRange(0, max > 0 ? max * 1.08 : 1);
        }
        if (reference != null) {
            plot.addRangeMarker(new ValueMarker(reference, Color.GRAY, dashed()));
        }
        ca.setMaximumCategoryLabelLines(3); // long category names (properties) wrap instead of ending in "..."
        ca.setMaximumCategoryLabelWidthRatio(1.0f);
        finish(chart);
        return chart;
    }

    /**
     * Stacked bars side by side: in each category (e.g. layer) one bar per group, named under it, stacked by part
     * (e.g. family) in the order of {@code parts}, part i in colour {@code colours[i]}; the legend names the parts.
     * {@code values[g][c][p]} is group g's count of part p in category c, null where the group has no such category.
     * The value axis counts (integer ticks, from 0).
     */
    static void groupedStacks(Path png, String title, String categoryLabel, String valueLabel, List<String> groups,
                              List<String> categories, List<String> parts, Integer[][][] values, Color[] colours) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        KeyToGroupMap bars = new KeyToGroupMap(groups.get(0));
        double max = 0;
        for (int g = 0; g < groups.size(); g++) {
            for (int p = 0; p < parts.size(); p++) {
                String series = groups.get(g) + " \u00b7 " + parts.get(p);
                bars.mapKeyToGroup(series, groups.get(g));
                for (int c = 0; c < categories.size(); c++) {
                    Integer v = values[g][c] == null ? null : values[g][c][p];
                    data.addValue(v, series, categories.get(c));
                }
            }
            for (int c = 0; c < categories.size(); c++) {
                if (values[g][c] != null) {
                    max = Math.max(max, java.util.Arrays.stream(values[g][c]).mapToInt(Integer::intValue).sum());
                }
            }
        }
        GroupedStackedBarRenderer r = new GroupedStackedBarRenderer() {
            @Override
            public int getPassCount() {
                // its drawItem ignores the pass: StackedBarRenderer's three passes would draw every bar three times
                return 1;
            }
        };
        r.setSeriesToGroupMap(bars);
        SubCategoryAxis ca = new SubCategoryAxis(categoryLabel);
        groups.forEach(ca::addSubCategory);
        ca.setCategoryMargin(0.25);
        NumberAxis va = new NumberAxis(valueLabel);
        va.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        va.setRange(0, max > 0 ? max * 1.08 : 1);
        CategoryPlot plot = new CategoryPlot(data, ca, va, r);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartFactory.getChartTheme().apply(chart); // first: the theme resets the renderer's paints
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setDrawBarOutline(true);
        r.setItemMargin(0.08);
        LegendItemCollection legend = new LegendItemCollection();
        for (int g = 0; g < groups.size(); g++) {
            for (int p = 0; p < parts.size(); p++) {
                int series = g * parts.size() + p;
                r.setSeriesPaint(series, colours[p]);
                r.setSeriesOutlinePaint(series, Color.WHITE);
                r.setSeriesOutlineStroke(series, new BasicStroke(0.6f));
            }
        }
        for (int p = 0; p < parts.size(); p++) {
            legend.add(new LegendItem(parts.get(p), null, null, null, new java.awt.Rectangle(-5, -5, 10, 10), colours[p]));
        }
        plot.setFixedLegendItems(legend);
        finish(chart);
        write(png, chart);
    }

    /**
     * Box plots: one box per series (group) in each category (layer), series i in palette colour i; values beyond
     * the whiskers as small circles; an optional dashed horizontal line (e.g. the threshold).
     */
    static void boxes(Path png, String title, String categoryLabel, String valueLabel,
                      LinkedHashMap<String, LinkedHashMap<String, ReportModel.Box>> boxesBySeries, Double reference) {
        DefaultBoxAndWhiskerCategoryDataset data = new DefaultBoxAndWhiskerCategoryDataset();
        boxesBySeries.forEach((series, byCategory) -> byCategory.forEach((cat, b) -> data.add(
                new BoxAndWhiskerItem(b.mean(), b.median(), b.q1(), b.q3(), b.whiskerLow(), b.whiskerHigh(), b.min(),
                        b.max(), b.outliers()), series, cat)));
        BoxAndWhiskerRenderer r = new BoxAndWhiskerRenderer();
        CategoryAxis ca = new CategoryAxis(categoryLabel);
        ca.setCategoryMargin(0.2);
        NumberAxis va = new NumberAxis(valueLabel);
        // the renderer's own range leaves out the values beyond the whiskers, which are the interesting ones here
        double lo = boxesBySeries.values().stream().flatMap(m -> m.values().stream()).mapToDouble(ReportModel.Box::min).min().orElse(0);
        double hi = boxesBySeries.values().stream().flatMap(m -> m.values().stream()).mapToDouble(ReportModel.Box::max).max().orElse(0);
        if (reference != null) {
            lo = Math.min(lo, reference);
            hi = Math.max(hi, reference);
        }
        double pad = hi > lo ? 0.05 * (hi - lo) : 0.05;
        va.setRange(lo - pad, hi + pad);
        CategoryPlot plot = new CategoryPlot(data, ca, va, r);
        if (reference != null) {
            plot.addRangeMarker(new ValueMarker(reference, Color.GRAY, dashed()));
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartFactory.getChartTheme().apply(chart); // first: the theme resets the renderer's paints
        r.setFillBox(true);
        r.setMeanVisible(false); // the table gives the mean; its marker would hide the median at this box width
        r.setItemMargin(0.1);
        r.setMaximumBarWidth(0.08);
        r.setUseOutlinePaintForWhiskers(false);
        r.setArtifactPaint(Color.BLACK);
        for (int i = 0; i < data.getRowCount(); i++) {
            Color c = colour(i);
            r.setSeriesPaint(i, new Color(c.getRed(), c.getGreen(), c.getBlue(), 170));
            r.setSeriesOutlinePaint(i, c.darker());
        }
        finish(chart);
        write(png, chart);
    }

    /** Points (x, y) in palette colour {@code colour}, the line y = x, and dashed lines at {@code marker} on both axes. */
    static void scatter(Path png, String title, String xLabel, String yLabel, double[] x, double[] y, int colour,
                        Double marker) {
        scatter(png, title, xLabel, yLabel, "neurons", x, y, colour, marker, true);
    }

    /** Points (x, y) named {@code what} in palette colour {@code colour}, with dashed zero lines and no diagonal. */
    static void points(Path png, String title, String xLabel, String yLabel, String what, double[] x, double[] y,
                       int colour) {
        scatter(png, title, xLabel, yLabel, what, x, y, colour, 0.0, false);
    }

    private static void scatter(Path png, String title, String xLabel, String yLabel, String what, double[] x,
                                double[] y, int colour, Double marker, boolean withDiagonal) {
        XYSeries points = new XYSeries(what, false, true);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            points.add(x[i], y[i]);
            lo = Math.min(lo, Math.min(x[i], y[i]));
            hi = Math.max(hi, Math.max(x[i], y[i]));
        }
        XYSeries diagonal = new XYSeries("y = x", false, true);
        diagonal.add(lo, lo);
        diagonal.add(hi, hi);
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(points);
        if (withDiagonal) {
            data.addSeries(diagonal);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer();
        Color c = colour(colour);
        r.setSeriesPaint(0, new Color(c.getRed(), c.getGreen(), c.getBlue(), 140));
        r.setSeriesLinesVisible(0, false);
        r.setSeriesShape(0, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
        r.setSeriesPaint(1, Color.GRAY);
        r.setSeriesShapesVisible(1, false);
        r.setSeriesStroke(1, dashed());
        plot.setRenderer(r);
        ((NumberAxis) plot.getDomainAxis()).setAutoRangeIncludesZero(false);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        if (marker != null) {
            plot.addDomainMarker(new ValueMarker(marker, Color.LIGHT_GRAY, dashed()));
            plot.addRangeMarker(new ValueMarker(marker, Color.LIGHT_GRAY, dashed()));
        }
        finish(chart);
        write(png, chart);
    }

    /** A value axis of fractions labelled as percentages, with as many decimals as its tick size needs. */
    static void percentAxis(NumberAxis axis) {
        axis.setNumberFormatOverride(null);
        axis.setStandardTickUnits(percentTickUnits());
    }

    /** Tick sizes 1, 2, 5 x 10^e from 0.0001% to 1000%, each labelled with the decimals it needs. */
    static TickUnits percentTickUnits() {
        TickUnits units = new TickUnits();
        for (int e = -6; e <= 1; e++) {
            for (int m : new int[] {1, 2, 5}) {
                double size = m * Math.pow(10, e);
                units.add(new NumberTickUnit(size, new PercentFormat(Math.max(0, -(e + 2)))));
            }
        }
        return units;
    }

    /**
     * A fraction as a percentage with a fixed number of decimals. A value that rounds to zero prints as 0, never as
     * "-0%" (tick values near zero come out of arithmetic as -0.0 or -1e-18).
     */
    static final class PercentFormat extends NumberFormat {
        private final DecimalFormat format;
        private final double halfStep;

        PercentFormat(int decimals) {
            format = new DecimalFormat(decimals == 0 ? "0%" : "0." + "0".repeat(decimals) + "%",
                    DecimalFormatSymbols.getInstance(Locale.ROOT));
            halfStep = 0.5 * Math.pow(10, -decimals) / 100;
        }

        @Override
        public StringBuffer format(double v, StringBuffer to, FieldPosition pos) {
            return format.format(Math.abs(v) < halfStep ? 0.0 : v, to, pos);
        }

        @Override
        public StringBuffer format(long v, StringBuffer to, FieldPosition pos) {
            return format((double) v, to, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            return format.parse(source, pos);
        }
    }

    private static BasicStroke dashed() {
        return new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f);
    }

    private static void style(XYLineAndShapeRenderer r, int series) {
        for (int i = 0; i < series; i++) {
            r.setSeriesPaint(i, colour(i));
            r.setSeriesStroke(i, new BasicStroke(2.0f));
        }
    }

    private static void finish(JFreeChart chart) {
        chart.setAntiAlias(true);
        chart.setBackgroundPaint(Color.WHITE);
        LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setPosition(RectangleEdge.BOTTOM);
            legend.setFrame(BlockBorder.NONE);
        }
    }

    /**
     * The chart as PNG and, beside it, as SVG ({@link ReportCharts#svg}): one drawing painted twice, on the image's
     * Graphics2D and on an SVG one, so both show the same marks.
     */
    private static void write(Path png, JFreeChart chart) {
        Consumer<Graphics2D> paint = g -> chart.draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
        // as ChartUtils.saveChartAsPNG draws it: an ARGB image of the chart's size
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = image.createGraphics();
        paint.accept(g);
        g.dispose();
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(png))) {
            ChartUtils.writeBufferedImageAsPNG(out, image);
        } catch (IOException e) {
            throw new PathIOException(png, "cannot write chart", e);
        }
        Path svg = png.resolveSibling(ReportCharts.svg(png.getFileName().toString()));
        try {
            Files.write(svg, ChartSvg.render(WIDTH, HEIGHT, paint));
        } catch (IOException e) {
            throw new PathIOException(svg, "cannot write chart", e);
        }
    }
}
