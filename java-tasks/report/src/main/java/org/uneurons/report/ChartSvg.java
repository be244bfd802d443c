package org.uneurons.report;

import java.awt.Dimension;
import java.awt.Font;
import java.awt.Graphics2D;
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
        SVGGraphics2D g = new SVGGraphics2D(ctx, false);
        g.setSVGCanvasSize(new Dimension(width, height));
        paint.accept(g);
        Element root = g.getRoot(doc.getDocumentElement());
        root.setAttribute("viewBox", "0 0 " + width + " " + height);
        g.dispose();
        return serialise(doc);
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
