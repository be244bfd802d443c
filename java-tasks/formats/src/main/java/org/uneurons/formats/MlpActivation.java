package org.uneurons.formats;

/** The MLP nonlinearity, as Hugging Face names it in config.json. */
public enum MlpActivation {
    /** tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); HF gelu_new, gelu_pytorch_tanh. */
    GELU_TANH,
    /** exact erf form: 0.5 x (1 + erf(x / sqrt(2))); HF gelu. */
    GELU_EXACT;

    static MlpActivation fromHfName(String name) {
        switch (name) {
            case "gelu_new":
            case "gelu_pytorch_tanh":
            case "gelu_fast":
                return GELU_TANH;
            case "gelu":
                return GELU_EXACT;
            default:
                return null;
        }
    }
}
