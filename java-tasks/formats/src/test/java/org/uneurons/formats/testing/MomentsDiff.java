package org.uneurons.formats.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.uneurons.core.stats.MomentShape;
import org.uneurons.core.stats.PairMoments;
import org.uneurons.formats.MomentsFile;

/** Two moments files that must hold the same moments (staged against fused, heap against device totals). */
public final class MomentsDiff {
    private MomentsDiff() {
    }

    /** The largest differences found, for the report; each is also asserted. */
    public static final class Diff {
        public double scaled; // |d| / natural scale (see compare)
        public double relative; // |d| / max(|x|, |y|), elementwise

        void add(double x, double y, double scale, String what) {
            double d = Math.abs(x - y);
            double s = d == 0 ? 0 : d / scale;
            assertTrue(s <= 1e-9, what + ": staged " + x + " vs fused " + y + " (|d| / scale " + s + ")");
            scaled = Math.max(scaled, s);
            relative = Math.max(relative, d == 0 ? 0 : d / Math.max(Math.abs(x), Math.abs(y)));
        }
    }

    /**
     * Every dataset and attribute of the two files. A value's tolerance is 1e-9 of its natural scale: a mean
     * against max(|mean|, standard deviation), an m2 against itself, a co-moment (i, j) against sqrt(m2_i m2_j),
     * i.e. 1e-9 in units of correlation.
     */
    public static Diff compare(Path stagedFile, Path fusedFile) {
        MomentsFile.Header hs = MomentsFile.readHeader(stagedFile);
        MomentsFile.Header hf = MomentsFile.readHeader(fusedFile);
        assertEquals(hs.shape(), hf.shape());
        assertEquals(hs.info(), hf.info());
        assertEquals(hs.n(), hf.n());
        PairMoments s = MomentsFile.read(stagedFile);
        PairMoments f = MomentsFile.read(fusedFile);
        MomentShape sh = s.shape();
        Diff diff = new Diff();
        long n = s.count();
        for (int i = 0; i < sh.neuronsA(); i++) {
            diff.add(s.m2A()[i], f.m2A()[i], s.m2A()[i], "m2_a[" + i + "]");
            diff.add(s.meanA()[i], f.meanA()[i], Math.max(Math.abs(s.meanA()[i]), Math.sqrt(s.m2A()[i] / n)), "mean_a[" + i + "]");
        }
        for (int j = 0; j < sh.neuronsB(); j++) {
            diff.add(s.m2B()[j], f.m2B()[j], s.m2B()[j], "m2_b[" + j + "]");
            diff.add(s.meanB()[j], f.meanB()[j], Math.max(Math.abs(s.meanB()[j]), Math.sqrt(s.m2B()[j] / n)), "mean_b[" + j + "]");
        }
        for (int la = 0; la < sh.layersInRangeA(); la++) {
            for (int lb = 0; lb < sh.nLayersB(); lb++) {
                double[][] x = s.comoment(la, lb), y = f.comoment(la, lb);
                for (int i = 0; i < sh.dA(); i++) {
                    for (int j = 0; j < sh.dB(); j++) {
                        double scale = Math.sqrt(s.m2A()[la * sh.dA() + i] * s.m2B()[lb * sh.dB() + j]);
                        diff.add(x[i][j], y[i][j], scale, "comoment/" + (sh.firstLayerA() + la) + "/" + lb + "[" + i + "][" + j + "]");
                    }
                }
            }
        }
        for (int lb = 0; lb < sh.nLayersB(); lb++) {
            double[][] x = s.covB(lb), y = f.covB(lb);
            for (int i = 0; i < sh.dB(); i++) {
                for (int j = 0; j < sh.dB(); j++) {
                    double scale = Math.sqrt(s.m2B()[lb * sh.dB() + i] * s.m2B()[lb * sh.dB() + j]);
                    diff.add(x[i][j], y[i][j], scale, "cov_b/" + lb + "[" + i + "][" + j + "]");
                }
            }
        }
        return diff;
    }
}
