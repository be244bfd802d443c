package org.uneurons.train;

import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * AdamW as torch.optim.AdamW (decoupled weight decay: p -= lr wd p before the Adam step, bias-corrected moments),
 * with global gradient-norm clipping before the update. Weight decay applies only to matrices and embeddings
 * ({@link Gpt2Shape#decays}); biases and LayerNorm parameters are not decayed.
 */
final class AdamW {
    private final Map<String, NDArray> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private final Map<String, Boolean> decay = new LinkedHashMap<>();
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double clipNorm;
    private int t;

    AdamW(Map<String, NDArray> params, NDManager stateManager, double beta1, double beta2, double eps,
          double weightDecay, double clipNorm) {
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
        params.forEach((name, p) -> {
            m.put(name, stateManager.zeros(p.getShape()));
            v.put(name, stateManager.zeros(p.getShape()));
            decay.put(name, Gpt2Shape.decays(name, p.getShape().getShape()));
        });
    }

    /**
     * One update with learning rate {@code lr} from the parameters' current gradients; returns the global gradient
     * norm before clipping. A norm that is not finite leaves the parameters and the moments untouched (the caller
     * decides what to do). Temporaries live in {@code scratch}.
     */
    double step(double lr, NDManager scratch) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        NDArray sq = null;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray g = e.getValue().getGradient();
            g.attach(scratch);
            grads.put(e.getKey(), g);
            NDArray s = g.square().sum();
            sq = sq == null ? s : sq.add(s);
        }
        double norm = Math.sqrt(sq.getFloat());
        if (!Double.isFinite(norm)) {
            return norm;
        }
        t++;
        float clip = (float) (clipNorm > 0 && norm > clipNorm ? clipNorm / (norm + 1e-6) : 1.0);
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String name = e.getKey();
            NDArray p = e.getValue();
            NDArray g = grads.get(name);
            if (clip != 1f) {
                g = g.mul(clip);
            }
            NDArray mt = m.get(name);
            NDArray vt = v.get(name);
            mt.muli((float) beta1).addi(g.mul((float) (1 - beta1)));
            vt.muli((float) beta2).addi(g.square().muli((float) (1 - beta2)));
            if (decay.get(name) && weightDecay > 0) {
                p.muli((float) (1 - lr * weightDecay));
            }
            // p -= lr * (m / bc1) / (sqrt(v / bc2) + eps); results of ops called on the state arrays are attached
            // to the step's scratch manager explicitly (DJL puts them on the manager of the array called on).
            NDArray denom = vt.div((float) bc2);
            denom.attach(scratch);
            denom = denom.sqrt().addi((float) eps);
            NDArray update = mt.mul((float) (lr / bc1));
            update.attach(scratch);
            p.subi(update.divi(denom));
        }
        return norm;
    }
}
