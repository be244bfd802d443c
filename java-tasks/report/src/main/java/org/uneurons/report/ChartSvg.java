package org.uneurons.report;

import java.awt.Dimension;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.PathIterator;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RectangularShape;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;

import org.apache.batik.svggen.SVGGeneratorContext;
import org.apache.batik.svggen.SVGGraphics2D;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * A drawing as a self-contained SVG document, painted by the same code that paints the PNG: the painter gets
 * Batik's SVG {@link Graphics2D} instead of an image's. Text stays text ({@code <text>}, searchable), in the generic
 * families Java's logical fonts map to (SansSerif is {@code sans-serif}). The bytes depend on the drawing only: ids
 * are numbered in drawing order, there is no generator comment, no timestamp, and no DOCTYPE (Batik's own writer
 * would name the SVG 1.0 DTD by its web address, an external reference).
 */
final class ChartSvg {
    static final String SVG_NS = "http://www.w3.org/2000/svg";

    private ChartSvg() {
    }

    /** The SVG of {@code width} x {@code height} pixels that {@code paint} draws, as UTF-8 bytes. */
    static byte[] render(int width, int height, Consumer<Graphics2D> paint) {
        Document doc = newDocument();
        SVGGeneratorContext ctx = SVGGeneratorContext.createDefault(doc);
        ctx.setComment(null);
        SVGGeneratorContext.GraphicContextDefaults defaults = new SVGGeneratorContext.GraphicContextDefaults();
        defaults.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12)); // the root's default: sans-serif, not 'Dialog'
        ctx.setGraphicContextDefaults(defaults);
        SVGGraphics2D g = new Graphics(ctx);
        g.setSVGCanvasSize(new Dimension(width, height));
        paint.accept(g);
        Element root = g.getRoot(doc.getDocumentElement());
        root.setAttribute("viewBox", "0 0 " + width + " " + height);
        g.dispose();
        return serialise(doc);
    }

    /**
     * Batik's Graphics2D, except that a shape that is exactly an ellipse's outline (JFreeChart places a marker by
     * transforming its ellipse into a general path) is written as that ellipse, a {@code <circle>}, instead of as
     * four Bézier curves: a scatter of 8,192 points is then about a quarter of the size.
     */
    private static final class Graphics extends SVGGraphics2D {
        Graphics(SVGGeneratorContext ctx) {
            super(ctx, false);
        }

        private Graphics(Graphics g) {
            super(g);
        }

        @Override
        public java.awt.Graphics create() {
            return new Graphics(this);
        }

        @Override
        public void fill(Shape s) {
            super.fill(asEllipse(s));
        }

        @Override
        public void draw(Shape s) {
            super.draw(asEllipse(s));
        }
    }

    /** The ellipse whose outline {@code s} is, segment for segment, or {@code s} itself. */
    static Shape asEllipse(Shape s) {
        if (s instanceof RectangularShape) { // Batik writes these as they are
            return s;
        }
        Rectangle2D b = s.getBounds2D();
        Ellipse2D e = new Ellipse2D.Double(b.getX(), b.getY(), b.getWidth(), b.getHeight());
        PathIterator p = s.getPathIterator(null);
        PathIterator q = e.getPathIterator(null);
        double[] a = new double[6];
        double[] c = new double[6];
        while (!p.isDone() && !q.isDone()) {
            int type = p.currentSegment(a);
            if (type != q.currentSegment(c)) {
                return s;
            }
            int coords = switch (type) {
                case PathIterator.SEG_MOVETO, PathIterator.SEG_LINETO -> 2;
                case PathIterator.SEG_QUADTO -> 4;
                case PathIterator.SEG_CUBICTO -> 6;
                default -> 0;
            };
            for (int i = 0; i < coords; i++) {
                if (Math.abs(a[i] - c[i]) > 1e-9 * Math.max(1, Math.abs(c[i]))) {
                    return s;
                }
            }
            p.next();
            q.next();
        }
        if (!p.isDone() || !q.isDone()) {
            return s;
        }
        // a circle whose width and height differ in the last bits (translated coordinates) is still a <circle>
        double w = b.getWidth();
        return Math.abs(w - b.getHeight()) <= 1e-9 * w ? new Ellipse2D.Double(b.getX(), b.getY(), w, w) : e;
    }

    private static Document newDocument() {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            Document doc = f.newDocumentBuilder().getDOMImplementation().createDocument(SVG_NS, "svg", null);
            doc.setXmlStandalone(true); // no standalone="no" in the declaration
            return doc;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("no XML document builder", e);
        }
    }

    private static byte[] serialise(Document doc) {
        try {
            TransformerFactory tf = TransformerFactory.newInstance();
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            tf.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer t = tf.newTransformer();
            t.setOutputProperty(OutputKeys.ENCODING, StandardCharsets.UTF_8.name());
            t.setOutputProperty(OutputKeys.INDENT, "no");
            ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
            t.transform(new DOMSource(doc), new StreamResult(out));
            out.write('\n');
            return out.toByteArray();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot serialise the SVG", e);
        }
    }
}
