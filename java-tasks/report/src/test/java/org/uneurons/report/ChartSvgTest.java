package org.uneurons.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;

import org.junit.jupiter.api.Test;

/** Which shapes the SVG writes as ellipses: exactly the outlines of ellipses, wherever they were moved to. */
class ChartSvgTest {
    @Test
    void aMovedEllipseIsThatEllipse() {
        for (double[] at : new double[][] {{0, 0}, {89.8182, 41.5455}, {255.97262, 136.51839}, {-3.25, 1e3}}) {
            Shape moved = AffineTransform.getTranslateInstance(at[0], at[1])
                    .createTransformedShape(new Ellipse2D.Double(-2.5, -2.5, 5, 5));
            assertTrue(moved instanceof Path2D, "JFreeChart's marker is a general path");
            Shape e = ChartSvg.asEllipse(moved);
            assertTrue(e instanceof Ellipse2D, "an ellipse at " + at[0]);
            Ellipse2D c = (Ellipse2D) e;
            assertEquals(at[0], c.getCenterX(), 1e-9);
            assertEquals(at[1], c.getCenterY(), 1e-9);
            assertEquals(c.getWidth(), c.getHeight(), 0.0, "a circle, written as <circle>");
            assertEquals(5, c.getWidth(), 1e-9);
        }
        Shape oval = AffineTransform.getTranslateInstance(10, 20).createTransformedShape(new Ellipse2D.Double(0, 0, 8, 3));
        Ellipse2D e = (Ellipse2D) ChartSvg.asEllipse(oval);
        assertEquals(new Rectangle2D.Double(10, 20, 8, 3), e.getBounds2D());
    }

    @Test
    void otherShapesStayAsTheyAre() {
        Rectangle2D r = new Rectangle2D.Double(1, 2, 3, 4);
        assertSame(r, ChartSvg.asEllipse(r));
        // four curves between the same points as an ellipse's, but bulging less: not an ellipse
        Path2D p = new Path2D.Double();
        p.moveTo(10, 5);
        p.curveTo(10, 7, 7, 10, 5, 10);
        p.curveTo(3, 10, 0, 7, 0, 5);
        p.curveTo(0, 3, 3, 0, 5, 0);
        p.curveTo(7, 0, 10, 3, 10, 5);
        p.closePath();
        assertSame(p, ChartSvg.asEllipse(p));
        // an ellipse's outline without its closing segment
        Path2D open = new Path2D.Double();
        open.append(new Ellipse2D.Double(0, 0, 4, 4).getPathIterator(null), false);
        Path2D cut = new Path2D.Double();
        var it = new Ellipse2D.Double(0, 0, 4, 4).getPathIterator(null);
        double[] c = new double[6];
        cut.moveTo(4, 2);
        it.next();
        for (int i = 0; i < 4; i++, it.next()) {
            it.currentSegment(c);
            cut.curveTo(c[0], c[1], c[2], c[3], c[4], c[5]);
        }
        assertSame(cut, ChartSvg.asEllipse(cut));
        assertTrue(ChartSvg.asEllipse(open) instanceof Ellipse2D, "the closed outline is the ellipse");
    }
}
