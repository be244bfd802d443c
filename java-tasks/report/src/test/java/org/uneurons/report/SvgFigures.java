package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Checks of the SVG copies of the report's charts, read as XML here (not with Batik): each beside its PNG, of the
 * PNG's size, self-contained, with the chart's title and axis labels as text; and the marks (bars, points, line
 * vertices) read back with their colours, to compare with the chart's CSV.
 */
final class SvgFigures {
    private static final String SVG_NS = "http://www.w3.org/2000/svg";
    /** Presentation attributes an element inherits from its enclosing groups. */
    private static final Set<String> INHERITED = Set.of("fill", "fill-opacity", "stroke", "stroke-dasharray",
            "stroke-width", "opacity", "clip-path");
    private static final Set<String> SHAPES = Set.of("rect", "path", "line", "circle", "ellipse", "polyline", "polygon");

    private SvgFigures() {
    }

    /** A drawn shape: its element name and attributes, with the presentation attributes of its groups filled in. */
    record Mark(String name, Map<String, String> attrs) {
        double num(String a) {
            return Double.parseDouble(attrs.get(a));
        }

        String get(String a) {
            return attrs.getOrDefault(a, "");
        }
    }

    /** A parsed SVG, its marks in drawing order and its text lines in drawing order. */
    record Svg(Document doc, List<Mark> marks, List<String> texts, String canvasClip) {
        /** Marks clipped to the plot's data area (not the whole canvas, as titles and legends are). */
        List<Mark> plotted() {
            return marks.stream().filter(m -> !m.get("clip-path").isEmpty() && !m.get("clip-path").equals(canvasClip))
                    .toList();
        }

        /** The plotted marks of element {@code name} filled with {@code c}. */
        List<Mark> filled(String name, Color c) {
            return plotted().stream().filter(m -> m.name().equals(name) && m.get("fill").equals(rgb(c))).toList();
        }

        /** The plotted marks of element {@code name} stroked with {@code c}. */
        List<Mark> stroked(String name, Color c) {
            return plotted().stream().filter(m -> m.name().equals(name) && m.get("stroke").equals(rgb(c))).toList();
        }

        /** The centres of the plotted points (filled circles, not their outlines) of colour {@code c}, in order. */
        List<double[]> points(Color c) {
            return filled("circle", c).stream().filter(m -> m.get("stroke").equals("none"))
                    .map(m -> new double[] {m.num("cx"), m.num("cy")}).toList();
        }

        String allText() {
            return String.join(" ", texts);
        }
    }

    /** Parses an SVG as a plain XML parser would, refusing a DOCTYPE (that is, any DTD to fetch). */
    static Svg read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = f.newDocumentBuilder().parse(in);
            List<Mark> marks = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            walk(doc.getDocumentElement(), new HashMap<>(), marks, texts);
            return new Svg(doc, marks, texts, canvasClip(doc));
        } catch (Exception e) {
            throw new AssertionError(file + " is not well-formed XML without a DOCTYPE: " + e, e);
        }
    }

    private static void walk(Element e, Map<String, String> inherited, List<Mark> marks, List<String> texts) {
        Map<String, String> here = new HashMap<>(inherited);
        NamedNodeMap attrs = e.getAttributes();
        Map<String, String> own = new HashMap<>();
        for (int i = 0; i < attrs.getLength(); i++) {
            own.put(attrs.item(i).getNodeName(), attrs.item(i).getNodeValue());
        }
        own.forEach((k, v) -> {
            if (INHERITED.contains(k)) {
                here.put(k, v);
            }
        });
        String name = e.getLocalName();
        if (name.equals("defs") || name.equals("clipPath")) {
            return;
        }
        if (SHAPES.contains(name)) {
            Map<String, String> all = new HashMap<>(here);
            all.putAll(own);
            marks.add(new Mark(name, all));
        }
        if (name.equals("text")) {
            texts.add(e.getTextContent());
        }
        for (Node c = e.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element ce) {
                walk(ce, here, marks, texts);
            }
        }
    }

    /** The clip-path reference of the clip that is the whole canvas (titles, legends, axes). */
    private static String canvasClip(Document doc) {
        String w = doc.getDocumentElement().getAttribute("width");
        String h = doc.getDocumentElement().getAttribute("height");
        String whole = "M0 0 L" + w + " 0 L" + w + " " + h + " L0 " + h + " L0 0 Z";
        NodeList clips = doc.getElementsByTagNameNS(SVG_NS, "clipPath");
        for (int i = 0; i < clips.getLength(); i++) {
            Element c = (Element) clips.item(i);
            NodeList paths = c.getElementsByTagNameNS(SVG_NS, "path");
            if (paths.getLength() == 1 && ((Element) paths.item(0)).getAttribute("d").equals(whole)) {
                return "url(#" + c.getAttribute("id") + ")";
            }
        }
        return "";
    }

    /** The points of a path's move-to and line-to commands. */
    static List<double[]> vertices(Mark path) {
        List<double[]> out = new ArrayList<>();
        Matcher m = Pattern.compile("[ML]\\s*(-?[0-9.]+)\\s+(-?[0-9.]+)").matcher(path.get("d"));
        while (m.find()) {
            out.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
        }
        return out;
    }

    /** A colour as the SVG writes it. */
    static String rgb(Color c) {
        return "rgb(" + c.getRed() + "," + c.getGreen() + "," + c.getBlue() + ")";
    }

    /**
     * Every chart in {@code reportDir}: an SVG beside each PNG, well-formed, of the PNG's width and height, with no
     * external reference or script, generic font families only, the chart's title and axis labels as text, and the
     * figure's links on the page. Returns the number of charts checked.
     */
    static int checkAll(Path reportDir) throws IOException {
        String html = Files.readString(reportDir.resolve("index.html"));
        List<Path> pngs;
        try (Stream<Path> s = Files.list(reportDir)) {
            pngs = s.filter(p -> p.getFileName().toString().endsWith(".png")).sorted().toList();
        }
        for (Path png : pngs) {
            String name = png.getFileName().toString();
            String base = name.substring(0, name.length() - 4);
            Path svgFile = reportDir.resolve(base + ".svg");
            assertTrue(Files.isRegularFile(svgFile), "an SVG beside " + name);
            Svg svg = read(svgFile);
            BufferedImage image = ImageIO.read(png.toFile());
            Element root = svg.doc().getDocumentElement();
            assertEquals(SVG_NS, root.getNamespaceURI(), name);
            assertEquals("svg", root.getLocalName(), name);
            assertEquals(String.valueOf(image.getWidth()), root.getAttribute("width"), name + " width");
            assertEquals(String.valueOf(image.getHeight()), root.getAttribute("height"), name + " height");
            selfContained(svgFile, svg);
            for (String t : expectedTexts(name)) {
                assertTrue(svg.allText().contains(t), name + " shows '" + t + "' as text: " + svg.texts());
            }
            String links = "<figcaption><a href=\"" + name + "\">PNG</a> \u00b7 <a href=\"" + base + ".svg\">SVG</a> \u00b7 "
                    + "<a href=\"" + base + ".csv\">data (CSV)</a></figcaption>";
            assertTrue(html.contains("<img src=\"" + name + "\"") && html.contains(links), name + ": " + links);
        }
        try (Stream<Path> s = Files.list(reportDir)) {
            assertEquals(pngs.size(), s.filter(p -> p.getFileName().toString().endsWith(".svg")).count(),
                    "one SVG per PNG");
        }
        return pngs.size();
    }

    private static void selfContained(Path file, Svg svg) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String name = file.getFileName().toString();
        assertTrue(text.startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), name + " declares UTF-8");
        String rest = text.replace("xmlns=\"" + SVG_NS + "\"", "");
        for (String bad : List.of("http:", "https:", "href", "<script", "<image", "<foreignObject", "<!DOCTYPE",
                "<!--", "javascript", "@import")) {
            assertFalse(rest.contains(bad), name + " has no " + bad);
        }
        Matcher url = Pattern.compile("url\\(([^)]*)\\)").matcher(rest);
        while (url.find()) {
            assertTrue(url.group(1).startsWith("#"), name + ": local reference only, not " + url.group());
        }
        Matcher font = Pattern.compile("font-family=\"([^\"]*)\"").matcher(rest);
        int fonts = 0;
        while (font.find()) {
            assertTrue(Set.of("sans-serif", "serif", "monospace").contains(font.group(1)), name + ": " + font.group());
            fonts++;
        }
        assertTrue(fonts > 0 && !svg.texts().isEmpty(), name + " names its font and has text");
    }

    /** The title and axis labels of a chart, by its file name (ReportCharts' names). */
    static List<String> expectedTexts(String png) {
        Matcher iv = Pattern.compile("interventions_(.+)_(entropy|loss|reciprocal_rank|ln_scale)\\.png").matcher(png);
        if (iv.matches()) {
            String metric = iv.group(2).replace('_', ' ');
            return List.of(metric + " with the activation fixed (" + iv.group(1) + ")", "fixed post-activation", metric);
        }
        Matcher sc = Pattern.compile("interventions_(.+)_(norm_effect|bos_prob_effect)\\.png").matcher(png);
        if (sc.matches()) {
            return List.of(" and head ", "(" + sc.group(1) + ")", "activation of ", sc.group(2).equals("norm_effect")
                    ? "\u0394\u2016z\u2016 of the head (unchanged \u2212 ablated)"
                    : "\u0394 BOS attention (unchanged \u2212 ablated)");
        }
        Matcher above = Pattern.compile("layer_above_(.+)\\.png").matcher(png);
        if (above.matches()) {
            return List.of("Neurons with \u03f1 > " + above.group(1), "per layer", "layer",
                    "fraction of the layer's neurons");
        }
        return switch (png) {
            case "loss.png" -> List.of("Training loss", "step", "loss");
            case "density_mean_corr.png" -> List.of("Mean max neuron correlation",
                    "mean over other models of max correlation", "density");
            case "density_mean_baseline.png" -> List.of("Baseline (random rotation)",
                    "mean over other models of max baseline correlation", "density");
            case "density_excess_corr.png" -> List.of("Excess correlation", "excess correlation \u03f1", "density");
            case "threshold_sweep.png" -> List.of("Neurons above each excess threshold", "threshold on excess correlation",
                    "fraction of neurons");
            case "layer_excess.png" -> List.of("Excess correlation per layer", "layer", "excess correlation \u03f1");
            case "layer_universal.png" -> List.of("Universal neurons per layer (\u03f1 > ", "layer",
                    "fraction of the layer's neurons");
            case "properties.png" -> List.of("Median within-layer percentile (", "property", "median percentile");
            case "families_per_layer.png" -> List.of("Neuron families per layer", "layer", "neurons");
            case "reference_layers.png" -> List.of("Universal neurons per layer: ", "layer",
                    "fraction of the layer's neurons");
            case "reference_excess.png" -> List.of("Excess correlation of the neurons in both tables", "excess_corr, ");
            case "roles_kurtosis.png" -> List.of("vocab_kurt percentiles per layer", "layer", "vocab_kurt");
            case "roles_skew.png" -> List.of("vocab_skew percentiles per layer", "layer", "vocab_skew");
            default -> {
                fail("no expected texts for chart " + png + ": add it to SvgFigures.expectedTexts");
                yield List.of();
            }
        };
    }

    /** Every SVG of {@code a} byte for byte the same in {@code b}; returns how many were compared. */
    static int assertSameSvgs(Path a, Path b) throws IOException {
        List<Path> svgs;
        try (Stream<Path> s = Files.list(a)) {
            svgs = s.filter(p -> p.getFileName().toString().endsWith(".svg")).sorted().toList();
        }
        for (Path p : svgs) {
            byte[] other = Files.readAllBytes(b.resolve(p.getFileName().toString()));
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(p), other), p.getFileName() + " written twice differs");
        }
        return svgs.size();
    }

    /** pixel = a + b * data for every pair, within 0.01 px (the SVG's numbers have 4 decimals). */
    static void assertAffine(double[] data, double[] pixel, String what) {
        assertEquals(data.length, pixel.length, what + ": marks against data rows");
        int lo = 0;
        int hi = 0;
        for (int i = 0; i < data.length; i++) {
            lo = data[i] < data[lo] ? i : lo;
            hi = data[i] > data[hi] ? i : hi;
        }
        assertTrue(data[hi] > data[lo], what + ": data spread");
        double b = (pixel[hi] - pixel[lo]) / (data[hi] - data[lo]);
        for (int i = 0; i < data.length; i++) {
            double expected = pixel[lo] + b * (data[i] - data[lo]);
            assertEquals(expected, pixel[i], 0.01, what + ": mark " + i + " of data " + data[i]);
        }
    }

    /** pixel = k * data for every pair (bars from zero), within 0.01 px. */
    static void assertProportional(double[] data, double[] pixel, String what) {
        assertEquals(data.length, pixel.length, what + ": marks against data rows");
        int hi = 0;
        for (int i = 0; i < data.length; i++) {
            hi = data[i] > data[hi] ? i : hi;
        }
        assertTrue(data[hi] > 0, what + ": some data above zero");
        double k = pixel[hi] / data[hi];
        for (int i = 0; i < data.length; i++) {
            assertEquals(k * data[i], pixel[i], 0.01, what + ": mark " + i + " of data " + data[i]);
        }
    }

    /** A figure's CSV as header-keyed rows (the test figures have no quoted fields). */
    static List<Map<String, String>> csv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String[] header = lines.get(0).split(",", -1);
        List<Map<String, String>> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            assertEquals(header.length, f.length, file.getFileName() + ": " + line);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], f[i]);
            }
            rows.add(row);
        }
        return rows;
    }
}
