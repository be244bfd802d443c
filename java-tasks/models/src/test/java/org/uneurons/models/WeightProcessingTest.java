package org.uneurons.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Locale;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.uneurons.core.io.Safetensors;
import org.uneurons.core.io.CheckpointWeights;
import org.uneurons.core.testing.TestData;
import org.uneurons.models.Checkpoints;
import org.uneurons.formats.ModelConfig;
import org.uneurons.formats.WeightSource;

/**
 * The processed weights compute what the original model computes: a float64 forward of the PROCESSED weights
 * (LayerNorms without scale or bias, folded and centred matrices) against the Hugging Face reference outputs.
 * center_unembed shifts every logit of a position by the same constant, so logits are compared after log-softmax;
 * MLP activations are compared as they are (processing leaves them unchanged).
 */
class WeightProcessingTest {

    private static ProcessedWeights load(Path dir, boolean process) {
        ModelConfig cfg = ModelConfig.read(dir, Checkpoints.name(dir));
        try (CheckpointWeights st = CheckpointWeights.open(dir)) {
            return process ? WeightProcessing.process(cfg, WeightSource.of(st)) : WeightProcessing.convert(cfg, WeightSource.of(st));
        }
    }

    private static double[] logSoftmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double s = 0;
        for (double v : z) {
            s += Math.exp(v - max);
        }
        double lse = max + Math.log(s);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i] - lse;
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny"})
    void processedModelGivesTheReferenceLogProbsAndActivations(String fixture) {
        Path dir = TestData.hf(fixture);
        ModelConfig cfg = ModelConfig.read(dir, fixture);
        ProcessedWeights w = load(dir, true);
        assertTrue(w.folded());
        try (Safetensors ref = Safetensors.open(dir.resolve("reference.safetensors"))) {
            long[] shape = ref.info("input_ids").shape();
            int batch = (int) shape[0], seq = (int) shape[1];
            long[] ids = ref.longs("input_ids");
            float[] logits = ref.floats("logits");
            double worstLogp = 0, worstPost = 0, worstShiftSpread = 0;
            for (int b = 0; b < batch; b++) {
                int[] tok = new int[seq];
                for (int t = 0; t < seq; t++) {
                    tok[t] = Math.toIntExact(ids[b * seq + t]);
                }
                ProcessedForward f = new ProcessedForward(cfg, w, tok);
                for (int t = 0; t < seq; t++) {
                    double[] want = new double[cfg.vocabSize];
                    for (int v = 0; v < cfg.vocabSize; v++) {
                        want[v] = logits[(b * seq + t) * cfg.vocabSize + v];
                    }
                    double[] lw = logSoftmax(want);
                    double[] lg = logSoftmax(f.logits[t]);
                    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < cfg.vocabSize; v++) {
                        worstLogp = Math.max(worstLogp, Math.abs(lw[v] - lg[v]));
                        double shift = want[v] - f.logits[t][v];
                        lo = Math.min(lo, shift);
                        hi = Math.max(hi, shift);
                    }
                    worstShiftSpread = Math.max(worstShiftSpread, hi - lo);
                }
                for (int l = 0; l < cfg.nLayers; l++) {
                    float[] post = ref.floats("mlp_post." + l);
                    for (int t = 0; t < seq; t++) {
                        for (int j = 0; j < cfg.dMlp; j++) {
                            double e = Math.abs(post[(b * seq + t) * cfg.dMlp + j] - f.mlpPost[l][t][j]);
                            worstPost = Math.max(worstPost, e);
                        }
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%s processed: max |log p diff| %.2e, max |mlp_post diff| %.2e, logit shift spread %.2e%n",
                    fixture, worstLogp, worstPost, worstShiftSpread);
            assertTrue(worstLogp < 1e-4, "log-softmax of processed logits vs reference: " + worstLogp);
            assertTrue(worstPost < 1e-4, "mlp_post of the processed model vs reference: " + worstPost);
            // the logits themselves differ from the reference only by a constant per position
            assertTrue(worstShiftSpread < 1e-4, "logit shift is constant per position: " + worstShiftSpread);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "neox-tiny"})
    void centredMatricesHaveZeroMeans(String fixture) {
        ProcessedWeights w = load(TestData.hf(fixture), true);
        ProcessedWeights raw = load(TestData.hf(fixture), false);
        int d = w.dModel;
        double worst = 0;
        worst = Math.max(worst, maxRowMean(w.wE, d));
        if (w.wPos != null) {
            worst = Math.max(worst, maxRowMean(w.wPos, d));
        }
        for (int l = 0; l < w.nLayers; l++) {
            worst = Math.max(worst, maxRowMean(w.wOut[l], d));   // writing weights: W_out rows over d_model
            worst = Math.max(worst, maxRowMean(w.wO[l], d));
            worst = Math.max(worst, maxRowMean(w.bO[l], d));
            worst = Math.max(worst, maxRowMean(w.bOut[l], d));
            worst = Math.max(worst, maxColMean(w.wIn[l], d, w.dMlp));  // reading weights: W_in columns over d_model
            for (int i = 0; i < w.nHeads; i++) {
                double[] q = java.util.Arrays.copyOfRange(w.wQ[l], i * d * w.dHead, (i + 1) * d * w.dHead);
                worst = Math.max(worst, maxColMean(q, d, w.dHead));
            }
        }
        worst = Math.max(worst, maxRowMean(w.wU, w.vocab));            // center_unembed: over the vocabulary
        worst = Math.max(worst, maxColMean(w.wU, d, w.vocab));          // fold_ln: over d_model
        worst = Math.max(worst, maxRowMean(w.bU, w.vocab));
        System.out.printf(Locale.ROOT, "%s processed: worst mean of a centred vector %.2e%n", fixture, worst);
        assertTrue(worst < 1e-9, "centred means: " + worst);
        // and the raw weights were not centred to begin with, so the check can fail
        assertTrue(maxRowMean(raw.wOut[0], d) > 1e-4 && maxColMean(raw.wIn[0], d, raw.dMlp) > 1e-4);
    }

    private static double maxRowMean(double[] x, int cols) {
        double worst = 0;
        for (int at = 0; at < x.length; at += cols) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += x[at + c];
            }
            worst = Math.max(worst, Math.abs(s / cols));
        }
        return worst;
    }

    private static double maxColMean(double[] x, int rows, int cols) {
        double worst = 0;
        for (int c = 0; c < cols; c++) {
            double s = 0;
            for (int r = 0; r < rows; r++) {
                s += x[r * cols + c];
            }
            worst = Math.max(worst, Math.abs(s / rows));
        }
        return worst;
    }
}
